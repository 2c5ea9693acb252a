package dev.switchboard.cluster.internal;

import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * What the Redis bus needs of Redis, over one Redis ({@link StandaloneLink}: PUBLISH/SUBSCRIBE) or a Redis
 * Cluster ({@link ClusterLink}: sharded SPUBLISH/SSUBSCRIBE, so a room's traffic stays on the shard that owns
 * the room's slot). One publishing connection and one subscription per node keep each sender's order.
 */
public interface RedisLink extends AutoCloseable {

    /** Whether channels are sharded; the Lua scripts then publish with SPUBLISH. */
    boolean sharded();

    <T> CompletionStage<T> eval(String script, ScriptOutputType type, byte[][] keys, byte[]... args);

    CompletionStage<Long> publish(byte[] channel, byte[] message);

    CompletionStage<Long> sadd(byte[] key, byte[] member);

    CompletionStage<Long> srem(byte[] key, byte[] member);

    CompletionStage<Set<byte[]>> smembers(byte[] key);

    CompletionStage<Long> del(byte[] key);

    CompletionStage<Long> zrem(byte[] key, byte[] member);

    /** A room's member hash, read so that its reply is ordered with the room's events where Redis allows. */
    CompletionStage<Map<byte[], byte[]>> members(byte[] key);

    CompletionStage<Void> subscribe(byte[] channel);

    CompletionStage<Void> unsubscribe(byte[] channel);

    /** Where messages of subscribed channels go: (channel, message), on a Redis client thread. */
    void onMessage(BiConsumer<byte[], byte[]> handler);

    /** Called when a connection to Redis comes up again, and when one is lost. */
    void onConnection(Runnable connected, Runnable lost);

    @Override
    void close();

    /** The scripts as this link must run them. */
    default String script(String source) {
        return sharded() ? source.replace("'PUBLISH'", "'SPUBLISH'") : source;
    }

    static List<String> uris(String list) {
        return List.of(list.split(","));
    }
}
