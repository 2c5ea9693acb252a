package dev.switchboard.cluster.internal;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * A Redis Cluster: commands are routed by key slot (every script touches one room's keys, which share a hash
 * tag), and rooms' channels are sharded (SPUBLISH/SSUBSCRIBE), so a room's traffic is handled by the shard
 * that owns it instead of being broadcast to every shard.
 */
public final class ClusterLink extends AbstractLink {
    private final StatefulRedisClusterPubSubConnection<byte[], byte[]> subscription;
    private final RedisAdvancedClusterAsyncCommands<byte[], byte[]> redis;

    public ClusterLink(ClientResources resources, String uris, Duration commandTimeout) {
        this(client(resources, uris, commandTimeout));
    }

    private ClusterLink(RedisClusterClient client) {
        this(client, client.connect(ByteArrayCodec.INSTANCE), client.connectPubSub(ByteArrayCodec.INSTANCE));
    }

    private ClusterLink(RedisClusterClient client, StatefulRedisClusterConnection<byte[], byte[]> connection,
                        StatefulRedisClusterPubSubConnection<byte[], byte[]> subscription) {
        super(client, connection, subscription);
        this.subscription = subscription;
        this.redis = connection.async();
    }

    private static RedisClusterClient client(ClientResources resources, String uris, Duration commandTimeout) {
        List<RedisURI> seeds = new ArrayList<>();
        for (String uri : RedisLink.uris(uris)) {
            seeds.add(RedisURI.create(uri.trim()));
        }
        RedisClusterClient client = RedisClusterClient.create(resources, seeds);
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
        return client;
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
}
