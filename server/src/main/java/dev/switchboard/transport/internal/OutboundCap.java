package dev.switchboard.transport.internal;

import java.util.concurrent.TimeUnit;

/**
 * The slow-consumer rule (docs/design/limits.md): a connection whose peer does not read what is written to it
 * is dropped once more than the outbound cap waits for it, so one slow reader cannot grow the server's memory.
 * One per server, shared by its connections.
 */
final class OutboundCap {
    /**
     * Where a flush only queues the write for the loop to submit later (io_uring), a burst can pass the cap
     * before the kernel was offered any of it, so there the cap means: still over it this long after it was
     * crossed, or over {@link #ASYNC_FLUSH_HARD_CAP} times it at any moment.
     */
    private static final long ASYNC_FLUSH_GRACE_MILLIS = 1000;
    private static final int ASYNC_FLUSH_HARD_CAP = 4;

    private final boolean flushIsSynchronous;
    private final int capBytes;

    OutboundCap(boolean flushIsSynchronous, int capBytes) {
        this.flushIsSynchronous = flushIsSynchronous;
        this.capBytes = capBytes;
    }

    int capBytes() {
        return capBytes;
    }

    /**
     * Whether a connection still over the cap after a flush is to be dropped now. With a synchronous flush the
     * kernel has just refused the rest, so the peer is not keeping up. With an asynchronous one, only the hard
     * cap decides at once; otherwise a check after the grace period does. On the connection's event loop.
     */
    boolean overForGood(WebSocketConnection connection) {
        if (flushIsSynchronous || connection.queuedBytes() > (long) ASYNC_FLUSH_HARD_CAP * capBytes) {
            return true;
        }
        if (connection.startCapCheck()) {
            connection.eventLoop().schedule(() -> {
                if (connection.endCapCheck()) {
                    connection.dropSlowConsumer();
                }
            }, ASYNC_FLUSH_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
        return false;
    }
}
