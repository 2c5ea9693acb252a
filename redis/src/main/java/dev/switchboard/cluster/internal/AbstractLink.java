package dev.switchboard.cluster.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulConnection;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What both links do the same way: the commands they run alike on whichever command interface they have, and
 * the life of their client and two connections (one for commands, one for subscriptions).
 */
abstract class AbstractLink implements RedisLink {
    private final AbstractRedisClient client;
    private final StatefulConnection<byte[], byte[]> connection;
    private final StatefulConnection<byte[], byte[]> subscription;

    AbstractLink(AbstractRedisClient client, StatefulConnection<byte[], byte[]> connection,
                 StatefulConnection<byte[], byte[]> subscription) {
        this.client = client;
        this.connection = connection;
        this.subscription = subscription;
    }

    /** The command connection's asynchronous commands (one Redis or a cluster). */
    protected abstract RedisClusterAsyncCommands<byte[], byte[]> commands();

    @Override
    public <T> CompletionStage<T> eval(String script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        return commands().eval(script(script), type, keys, args);
    }

    @Override
    public CompletionStage<Long> sadd(byte[] key, byte[] member) {
        return commands().sadd(key, member);
    }

    @Override
    public CompletionStage<Long> srem(byte[] key, byte[] member) {
        return commands().srem(key, member);
    }

    @Override
    public CompletionStage<Set<byte[]>> smembers(byte[] key) {
        return commands().smembers(key);
    }

    @Override
    public CompletionStage<Long> del(byte[] key) {
        return commands().del(key);
    }

    @Override
    public CompletionStage<Long> zrem(byte[] key, byte[] member) {
        return commands().zrem(key, member);
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
