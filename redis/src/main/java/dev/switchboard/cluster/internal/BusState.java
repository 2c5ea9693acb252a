package dev.switchboard.cluster.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/** What the Redis bus's parts share: whether Redis is reachable, whether the bus is closed, the cluster's size and hop. */
public final class BusState {
    private volatile boolean connected = true;
    private volatile int nodes = 1;
    private volatile double hopMillis;
    private final AtomicBoolean closed = new AtomicBoolean();

    public boolean connected() {
        return connected;
    }

    public void connected(boolean connected) {
        this.connected = connected;
    }

    public int nodes() {
        return nodes;
    }

    public void nodes(int nodes) {
        this.nodes = nodes;
    }

    public double hopMillis() {
        return hopMillis;
    }

    public void hopMillis(double hopMillis) {
        this.hopMillis = hopMillis;
    }

    public boolean closed() {
        return closed.get();
    }

    /** Marks the bus closed; true for the one caller that closed it. */
    public boolean close() {
        return closed.compareAndSet(false, true);
    }
}
