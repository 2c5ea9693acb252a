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

    /** The notice mark is this fraction of the cap (docs/design/limits.md#membership-notices). */
    private static final int NOTICE_MARK_DIVISOR = 64;

    private final boolean flushIsSynchronous;
    private final int capBytes;
    private final int noticeMarkBytes;

    OutboundCap(boolean flushIsSynchronous, int capBytes) {
        this.flushIsSynchronous = flushIsSynchronous;
        this.capBytes = capBytes;
        this.noticeMarkBytes = Math.max(1024, capBytes / NOTICE_MARK_DIVISOR);
    }

    int capBytes() {
        return capBytes;
    }

    int noticeMarkBytes() {
        return noticeMarkBytes;
    }

    /**
     * Whether a membership notice is to find the connection too far behind to be sent one: more than the notice
     * mark still waits for its peer after a flush (the kernel's buffers for it are full as well). A reader is
     * never that far behind; one that does not read would otherwise be sent one more message per join and leave
     * in its room. On the connection's event loop.
     */
    boolean behindForNotices(WebSocketConnection connection) {
        if (connection.queuedBytes() <= noticeMarkBytes) {
            return false;
        }
        connection.flushNow();
        long mark = flushIsSynchronous ? noticeMarkBytes : (long) ASYNC_FLUSH_HARD_CAP * noticeMarkBytes;
        return connection.queuedBytes() > mark;
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
