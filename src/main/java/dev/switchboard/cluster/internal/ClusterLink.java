package dev.switchboard.cluster.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A Redis Cluster: commands are routed by key slot (every script touches one room's keys, which share a hash
 * tag), and rooms' channels are sharded (SPUBLISH/SSUBSCRIBE), so a room's traffic is handled by the shard
 * that owns it instead of being broadcast to every shard.
 */
public final class ClusterLink extends AbstractLink {
    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<byte[], byte[]> connection;
    private final StatefulRedisClusterPubSubConnection<byte[], byte[]> subscription;
    private final RedisAdvancedClusterAsyncCommands<byte[], byte[]> redis;

    public ClusterLink(ClientResources resources, String uris, Duration commandTimeout) {
        List<RedisURI> seeds = new ArrayList<>();
        for (String uri : RedisLink.uris(uris)) {
            seeds.add(RedisURI.create(uri.trim()));
        }
        this.client = RedisClusterClient.create(resources, seeds);
        client.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                // Shard connections open lazily, so commands may briefly wait for one; the queue is bounded.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.DEFAULT)
                .requestQueueSize(10_000)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .enablePeriodicRefresh(Duration.ofSeconds(30))
                        .build())
                .build());
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
        this.subscription = client.connectPubSub(ByteArrayCodec.INSTANCE);
        this.redis = connection.async();
    }

    @Override
    protected io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<byte[], byte[]> commands() {
        return redis;
    }

    @Override
    public boolean sharded() {
        return true;
    }


    @Override
    public CompletionStage<Long> publish(byte[] channel, byte[] message) {
        return redis.spublish(channel, message);
    }






    @Override
    public CompletionStage<Map<byte[], byte[]>> members(byte[] key) {
        // Through the subscription: it routes by slot, so the read goes down the same shard connection as the
        // room channel's SSUBSCRIBE (same hash tag) and its reply is ordered with the room's events.
        return subscription.async().hgetall(key);
    }

    @Override
    public CompletionStage<Void> subscribe(byte[] channel) {
        return subscription.async().ssubscribe(channel);
    }

    @Override
    public CompletionStage<Void> unsubscribe(byte[] channel) {
        return subscription.async().sunsubscribe(channel);
    }

    @Override
    public void onMessage(BiConsumer<byte[], byte[]> handler) {
        subscription.addListener(new RedisClusterPubSubAdapter<>() {
            @Override
            public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
                handler.accept(channel, message);
            }
        });
    }

    @Override
    public void onConnection(Runnable connected, Runnable lost) {
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
                lost.run();
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                connected.run();
            }
        });
    }

    @Override
    public void close() {
        subscription.close();
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
