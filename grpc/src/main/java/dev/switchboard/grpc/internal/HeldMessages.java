package dev.switchboard.grpc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What a stream's client sends while the stream waits for the cluster (a worker's registration, a client's check
 * that its worker is connected): held in order, at most {@code max} of them, and handed on once the answer came,
 * before anything sent later. gRPC calls {@code onNext} on one thread at a time, but the answer arrives on
 * another, hence the lock.
 */
final class HeldMessages<T> {
    /** What became of a message offered to {@link #offer}. */
    enum Offer {
        /** Nothing is being held: the caller handles the message itself. */
        NOT_HOLDING,
        /** Held (or, once the stream ended, dropped). */
        HELD,
        /** Past the bound: what was held is dropped, and the caller ends the stream. */
        FULL
    }

    private final int max;
    /** Null while not holding. */
    private List<T> held;

    HeldMessages(int max) {
        this.max = max;
    }

    /** Starts holding, {@code first} the first message held. */
    synchronized void start(T first) {
        held = new ArrayList<>(2);
        held.add(first);
    }

    /** Holds {@code m} if holding; {@code ended} streams drop it instead. */
    synchronized Offer offer(T m, boolean ended) {
        if (held == null) {
            return Offer.NOT_HOLDING;
        }
        if (ended) {
            return Offer.HELD;
        }
        if (held.size() >= max) {
            held.clear();
            return Offer.FULL;
        }
        held.add(m);
        return Offer.HELD;
    }

    /**
     * Hands what is held to {@code each}, in order, in batches taken under the lock (messages may still come
     * while a batch is handled), until nothing is left; then stops holding, so that later messages go straight
     * to the caller. {@code each} returning false stops the drain and leaves the holding on: what comes after is
     * dropped, bounded as before.
     */
    void drain(Predicate<T> each) {
        while (true) {
            List<T> batch;
            synchronized (this) {
                if (held.isEmpty()) {
                    held = null;
                    return;
                }
                batch = held;
                held = new ArrayList<>(2);
            }
            for (T m : batch) {
                if (!each.test(m)) {
                    return;
                }
            }
        }
    }
}
