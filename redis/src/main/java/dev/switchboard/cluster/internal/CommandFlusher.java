package dev.switchboard.cluster.internal;

import io.lettuce.core.api.StatefulConnection;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends the command connection's publishes once per event-loop turn instead of one by one. The connection runs
 * with Lettuce's auto-flush off: every command waits in Lettuce's buffer until it is flushed. A publish made
 * on an event loop (a client's message read there) is flushed by a task queued behind the loop's turn, with
 * whatever else the turn published, so Lettuce's thread is handed one batch per turn (one task, one wake-up,
 * one {@code writev}) and Redis reads them with one {@code read}; any other command (a claim, a release, a read)
 * and a publish made off an event loop are flushed at once, taking the publishes before them along.
 *
 * <p>Order: Lettuce's buffer is one queue in call order, and flushes drain it under one lock held until the
 * drained commands are handed to the channel, so batches reach Redis in the order they were drained (without
 * the lock a flush on one thread could overtake another's already drained batch: a member's release ahead of
 * the messages it sent just before it left). A batch handed over from another thread waits in the channel's
 * event loop's queue, and a flush on that loop itself would write at once, ahead of it; so nothing is flushed
 * on Lettuce's own threads (where the bus's callbacks run, e.g. a direct message sent once a lookup answered):
 * a flush asked for there runs on {@code offLoop}.
 *
 * <p>On the node's loop ({@link NodeLoops}: the connection's channel is registered with one of the node's event
 * loops, {@code channelLoop}) every flush runs on that loop instead, at once when asked for there and as a task
 * from anywhere else: all drains then happen on the one thread that writes the channel, each written as it is
 * drained, so the wire order is the buffer's order without a lock, and a turn's publishes on that loop go out
 * with no hand-off at all.
 */
final class CommandFlusher {
    /** Publishes of one loop's turn flushed at once past this many, not at the turn's end (a turn with a backlog). */
    static final int FLUSH_EARLY_COMMANDS = 64;

    private final StatefulConnection<byte[], byte[]> connection;
    /** Where a flush asked for on one of Lettuce's threads runs. */
    private final Executor offLoop;
    /** The loop the connection's channel is registered with when the bus runs on the node's loop; else null. */
    private final EventLoop channelLoop;
    private final Runnable flushNow = this::flushNow;
    private final Runnable flushOnChannelLoop = this::drain;
    private final Object lock = new Object();
    private final FastThreadLocal<Turn> turns = new FastThreadLocal<>() {
        @Override
        protected Turn initialValue() {
            return new Turn();
        }
    };

    CommandFlusher(StatefulConnection<byte[], byte[]> connection, Executor offLoop, EventLoop channelLoop) {
        this.connection = connection;
        this.offLoop = offLoop;
        this.channelLoop = channelLoop;
        connection.setAutoFlushCommands(false);
    }

    /** After a publish: flushed at the end of the calling loop's turn, or now when not on an event loop. */
    void published() {
        if (channelLoop == null && onLettuceThread()) {
            flushOffLoop();
            return;
        }
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

    /** After any other command: sends it, with everything buffered before it, in order. */
    void sent() {
        if (channelLoop == null && onLettuceThread()) {
            flushOffLoop();
        } else {
            flushNow();
        }
    }

    private void flushOffLoop() {
        try {
            offLoop.execute(flushNow);
        } catch (RejectedExecutionException closing) {
            flushNow(); // the bus is closing: its last commands go out as they can
        }
    }

    private void flushNow() {
        if (channelLoop != null) {
            if (channelLoop.inEventLoop()) {
                drain();
            } else {
                try {
                    channelLoop.execute(flushOnChannelLoop);
                } catch (RejectedExecutionException stopping) {
                    drain(); // the node is stopping: its last commands go out as they can
                }
            }
            return;
        }
        synchronized (lock) {
            drain();
        }
    }

    private void drain() {
        connection.flushCommands();
    }

    /**
     * Whether the caller runs on one of Lettuce's threads (its I/O loops, its timer, its computation pool): by
     * name, as Lettuce's thread factories name them; the channel's loop is one of them, and which one is not
     * exposed.
     */
    private static boolean onLettuceThread() {
        return Thread.currentThread().getName().startsWith("lettuce-");
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
