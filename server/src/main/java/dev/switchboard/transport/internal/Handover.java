package dev.switchboard.transport.internal;

import io.netty.util.ReferenceCounted;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * Work for a connection on another event loop, handed over once per turn of the calling loop instead of once
 * per task. The cluster bus's thread reads a batch of messages from Redis in one turn and each is for
 * connections on the node's loops; handed over one by one, every message was a task of its own, often a wake-up
 * of the receiving loop (an {@code eventfd} write and a context switch) and a flush of its own there. Gathered
 * per receiving loop and handed over by a task at the end of the calling loop's turn, a turn's messages cost the
 * receiver one task, one wake-up and one flush per connection.
 *
 * <p>Order: every hand-over from one thread to one loop goes through here (the outlet's deliveries, a
 * connection's writes, closes and other tasks), so they run on the receiving loop in the order they were
 * made. A thread that is not an event loop (a timer, gRPC's threads) hands over at once, as before.
 */
final class Handover {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Handover.class);
    private static final FastThreadLocal<Handover> CURRENT = new FastThreadLocal<>();

    private final EventExecutor source;
    /** Receiving loops with work this turn, and their work (parallel lists: a turn rarely reaches two loops). */
    private final List<EventExecutor> targets = new ArrayList<>(2);
    private final List<Batch> batches = new ArrayList<>(2);
    private final Runnable handAll = this::handAll;
    private boolean scheduled;

    private Handover(EventExecutor source) {
        this.source = source;
    }

    /**
     * Runs {@code task} on {@code target}: now when called there, at the end of the calling loop's turn when
     * called on another event loop, else at once. {@code held} (may be null) is what the task owns and
     * releases; it is released instead if {@code target} has stopped (a delivery racing the server's shutdown).
     */
    static void execute(EventExecutor target, Runnable task, ReferenceCounted held) {
        if (target.inEventLoop()) {
            task.run();
            return;
        }
        EventExecutor here = ThreadExecutorMap.currentExecutor();
        if (here == null || !here.inEventLoop()) {
            executeNow(target, task, held);
            return;
        }
        Handover handover = CURRENT.get();
        if (handover == null || handover.source != here) {
            handover = new Handover(here);
            CURRENT.set(handover);
        }
        handover.add(target, task, held);
    }

    private static void executeNow(EventExecutor target, Runnable task, ReferenceCounted held) {
        try {
            target.execute(task);
        } catch (RejectedExecutionException stopped) {
            if (held != null) {
                held.release();
            }
        }
    }

    private void add(EventExecutor target, Runnable task, ReferenceCounted held) {
        int i = targets.indexOf(target);
        if (i < 0) {
            targets.add(target);
            batches.add(new Batch());
            i = targets.size() - 1;
        }
        batches.get(i).add(task, held);
        if (!scheduled) {
            scheduled = true;
            try {
                source.execute(handAll);
            } catch (RejectedExecutionException stopping) {
                handAll(); // this loop is stopping: hand over what it gathered now
            }
        }
    }

    private void handAll() {
        scheduled = false;
        for (int i = 0; i < targets.size(); i++) {
            Batch batch = batches.get(i);
            if (batch.isEmpty()) {
                continue;
            }
            Batch handed = batch.take();
            try {
                targets.get(i).execute(handed);
            } catch (RejectedExecutionException stopped) {
                handed.releaseHeld();
            }
        }
    }

    /** One receiving loop's tasks of a turn, run there in order. */
    private static final class Batch implements Runnable {
        private List<Runnable> tasks = new ArrayList<>(8);
        private List<ReferenceCounted> held = new ArrayList<>(8);

        void add(Runnable task, ReferenceCounted owned) {
            tasks.add(task);
            held.add(owned);
        }

        boolean isEmpty() {
            return tasks.isEmpty();
        }

        /** The gathered tasks as a batch of their own; this one starts empty again. */
        Batch take() {
            Batch out = new Batch();
            List<Runnable> t = out.tasks;
            List<ReferenceCounted> h = out.held;
            out.tasks = tasks;
            out.held = held;
            tasks = t;
            held = h;
            return out;
        }

        @Override
        public void run() {
            for (int i = 0; i < tasks.size(); i++) {
                try {
                    tasks.get(i).run();
                } catch (RuntimeException e) {
                    // as the loop would for a task of its own: one failure must not cost the others their turn
                    log.warn("a task handed over from another loop failed", e);
                }
            }
        }

        void releaseHeld() {
            for (ReferenceCounted h : held) {
                if (h != null) {
                    h.release();
                }
            }
        }
    }
}
