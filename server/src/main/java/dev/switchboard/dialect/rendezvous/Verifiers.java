package dev.switchboard.dialect.rendezvous;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that check registration signatures, so that no check runs on an event loop: half the cores, a
 * bounded queue (past it a registration is answered "server busy"), threads that end when idle, so a node
 * that is closed leaves none behind.
 */
final class Verifiers {
    /** Checks waiting for a thread before new ones are refused: a few seconds of P-521 checks on one core. */
    static final int MAX_QUEUED = 1024;
    private static final AtomicInteger NODES = new AtomicInteger();

    private final ThreadPoolExecutor pool;

    Verifiers() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        String prefix = "switchboard-verify-" + NODES.incrementAndGet() + "-";
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_QUEUED),
                r -> {
                    Thread t = new Thread(r, prefix + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code check} on a verifier thread; false if too many checks are waiting already. */
    boolean submit(Runnable check) {
        try {
            pool.execute(check);
            return true;
        } catch (RejectedExecutionException busy) {
            return false;
        }
    }
}
