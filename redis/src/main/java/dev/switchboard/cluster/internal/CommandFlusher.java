package dev.switchboard.cluster.internal;

import io.lettuce.core.api.StatefulConnection;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends the command connection's publishes once per event-loop turn instead of one by one. The connection runs
 * with Lettuce's auto-flush off: every command waits in Lettuce's buffer until {@link #flushNow}. A publish made
 * on an event loop (a client's message read there) is flushed by a task queued behind the loop's turn, with
 * whatever else the turn published, so Lettuce's thread is handed one batch per turn (one task, one wake-up,
 * one {@code writev}) and Redis reads them with one {@code read}; any other command (a claim, a release, a read)
 * and a publish made off an event loop are flushed at once, taking the publishes before them along.
 *
 * <p>Order: Lettuce's buffer is one queue in call order, and flushes drain it under one lock held until the
 * drained commands are handed to the channel, so batches reach Redis in the order they were drained (without
 * the lock a flush on one thread could overtake another's already drained batch: a member's release ahead of
 * the messages it sent just before it left).
 */
final class CommandFlusher {
    /** Publishes of one loop's turn flushed at once past this many, not at the turn's end (a turn with a backlog). */
    static final int FLUSH_EARLY_COMMANDS = 64;

    private final StatefulConnection<byte[], byte[]> connection;
    private final Object lock = new Object();
    private final FastThreadLocal<Turn> turns = new FastThreadLocal<>() {
        @Override
        protected Turn initialValue() {
            return new Turn();
        }
    };

    CommandFlusher(StatefulConnection<byte[], byte[]> connection) {
        this.connection = connection;
        connection.setAutoFlushCommands(false);
    }

    /** After a publish: flushed at the end of the calling loop's turn, or now when not on an event loop. */
    void published() {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (loop == null || !loop.inEventLoop()) {
            flushNow();
            return;
        }
        Turn turn = turns.get();
        if (++turn.unflushed >= FLUSH_EARLY_COMMANDS) {
            turn.unflushed = 0;
            flushNow(); // the turn's task, if queued, flushes what comes after
            return;
        }
        if (!turn.scheduled) {
            turn.scheduled = true;
            try {
                loop.execute(turn.flush);
            } catch (RejectedExecutionException stopping) {
                turn.scheduled = false;
                flushNow();
            }
        }
    }

    /** Sends everything buffered, in order. */
    void flushNow() {
        synchronized (lock) {
            connection.flushCommands();
        }
    }

    /** One event loop's publishes not yet flushed; confined to that loop's thread. */
    private final class Turn {
        int unflushed;
        boolean scheduled;
        final Runnable flush = () -> {
            scheduled = false;
            unflushed = 0;
            flushNow();
        };
    }
}
