package dev.switchboard.cluster.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the Lua scripts by their SHA1 (EVALSHA) instead of sending their text with every call: a claim's script
 * is about 700 bytes, which Redis would read and hash again for each join. The first call of a script loads it
 * (SCRIPT LOAD, pipelined just before the EVALSHA on the same connection, so Redis has it when the EVALSHA comes);
 * a Redis that lost it since (restarted empty) answers NOSCRIPT, and the call runs once more with the text,
 * which loads it again.
 */
final class ScriptRunner {
    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    /** Sends what was just issued (the connection may buffer commands: CommandFlusher). */
    private final Runnable flush;
    /** Script text → its SHA1, for the scripts this connection has loaded. */
    private final ConcurrentHashMap<String, String> loaded = new ConcurrentHashMap<>();

    ScriptRunner(RedisClusterAsyncCommands<byte[], byte[]> redis, Runnable flush) {
        this.redis = redis;
        this.flush = flush;
    }

    <T> CompletionStage<T> eval(String script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        String sha = loaded.computeIfAbsent(script, text -> {
            redis.scriptLoad(text); // its answer is the SHA computed below; a failure shows as NOSCRIPT next
            return redis.digest(text);
        });
        CompletableFuture<T> out = new CompletableFuture<>();
        var evalsha = redis.<T>evalsha(sha, type, keys, args);
        flush.run();
        evalsha.whenComplete((value, failure) -> {
            if (failure == null) {
                out.complete(value);
            } else if (unwrap(failure) instanceof RedisNoScriptException) {
                loaded.remove(script, sha); // the next call loads it again
                var eval = redis.<T>eval(script, type, keys, args);
                flush.run();
                eval.whenComplete((v, f) -> {
                    if (f == null) {
                        out.complete(v);
                    } else {
                        out.completeExceptionally(f);
                    }
                });
            } else {
                out.completeExceptionally(failure);
            }
        });
        return out;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
