package dev.switchboard.cluster.internal;

import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How long Lettuce lets each command of the bus wait. A command that times out before Lettuce's I/O thread wrote
 * it is dropped, never sent: harmless for a step that reports its failure (a claim answered unavailable), but
 * not for the commands whose order is the bus's promise. A publish dropped that way is a message missing from
 * the middle of its sender's stream (a CPU-starved node lost one of 10,000 direct messages so), and a dropped
 * SUBSCRIBE leaves the node deaf to a room's joins and leaves. So:
 * <ul>
 *   <li>publishes wait up to {@code publishTimeout}: the failure timeout, after which the cluster takes a node
 *       that could not reach Redis for dead anyway;</li>
 *   <li>subscribes and unsubscribes never time out: they are bounded by their connection, and Lettuce
 *       subscribes again on a new one;</li>
 *   <li>everything else waits up to {@code commandTimeout} ({@code --redis-timeout}).</li>
 * </ul>
 */
final class BusTimeouts extends TimeoutOptions.TimeoutSource {
    private final long commandNanos;
    private final long publishNanos;

    private BusTimeouts(Duration commandTimeout, Duration publishTimeout) {
        this.commandNanos = commandTimeout.toNanos();
        this.publishNanos = Math.max(commandNanos, publishTimeout.toNanos());
    }

    static TimeoutOptions options(Duration commandTimeout, Duration publishTimeout) {
        return TimeoutOptions.builder().timeoutCommands()
                .timeoutSource(new BusTimeouts(commandTimeout, publishTimeout)).build();
    }

    @Override
    public long getTimeout(RedisCommand<?, ?, ?> command) {
        return timeoutOf(command.getType());
    }

    /** In nanoseconds; 0 for no timeout. */
    long timeoutOf(ProtocolKeyword type) {
        if (type == CommandType.PUBLISH || type == CommandType.SPUBLISH) {
            return publishNanos;
        }
        if (type == CommandType.SUBSCRIBE || type == CommandType.SSUBSCRIBE || type == CommandType.UNSUBSCRIBE
                || type == CommandType.SUNSUBSCRIBE) {
            return 0;
        }
        return commandNanos;
    }

    @Override
    public TimeUnit getTimeUnit() {
        return TimeUnit.NANOSECONDS;
    }
}
