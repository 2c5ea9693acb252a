package dev.switchboard.cluster.internal;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/** The commands both links run the same way, on whichever command interface they have. */
abstract class AbstractLink implements RedisLink {

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
}
