package dev.switchboard.cluster.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
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
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/** One Redis: a command connection and a RESP3 subscription connection that also serves ordered reads. */
public final class StandaloneLink extends AbstractLink {
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private final RedisAsyncCommands<byte[], byte[]> redis;

    public StandaloneLink(ClientResources resources, String uri, Duration commandTimeout) {
        this(client(resources, uri, commandTimeout));
    }

    private StandaloneLink(RedisClient client) {
        this(client, client.connect(ByteArrayCodec.INSTANCE), client.connectPubSub(ByteArrayCodec.INSTANCE));
    }

    private StandaloneLink(RedisClient client, StatefulRedisConnection<byte[], byte[]> connection,
                           StatefulRedisPubSubConnection<byte[], byte[]> subscription) {
        super(client, connection, subscription);
        this.subscription = subscription;
        this.redis = connection.async();
    }

    private static RedisClient client(ClientResources resources, String uri, Duration commandTimeout) {
        RedisClient client = RedisClient.create(resources, RedisURI.create(uri));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // While Redis is away, fail at once instead of queueing without bound.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // RESP3 lets the subscription connection run reads, which keeps them ordered with the events.
                .protocolVersion(ProtocolVersion.RESP3)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        return client;
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
}
