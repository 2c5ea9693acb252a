package dev.switchboard.cluster.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** One Redis: a command connection and a RESP3 subscription connection that also serves ordered reads. */
public final class StandaloneLink extends AbstractLink {
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private final RedisAsyncCommands<byte[], byte[]> redis;

    public StandaloneLink(ClientResources resources, String uri, Duration commandTimeout) {
        this.client = RedisClient.create(resources, RedisURI.create(uri));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // While Redis is away, fail at once instead of queueing without bound.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // RESP3 lets the subscription connection run reads, which keeps them ordered with the events.
                .protocolVersion(ProtocolVersion.RESP3)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
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
        return false;
    }


    @Override
    public CompletionStage<Long> publish(byte[] channel, byte[] message) {
        return redis.publish(channel, message);
    }






    @Override
    public CompletionStage<Map<byte[], byte[]>> members(byte[] key) {
        return subscription.async().hgetall(key);
    }

    @Override
    public CompletionStage<Void> subscribe(byte[] channel) {
        return subscription.async().subscribe(channel);
    }

    @Override
    public CompletionStage<Void> unsubscribe(byte[] channel) {
        return subscription.async().unsubscribe(channel);
    }

    @Override
    public void onMessage(BiConsumer<byte[], byte[]> handler) {
        subscription.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
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
