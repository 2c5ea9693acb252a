package dev.switchboard.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The membership notices one connection has been sent that its client has not yet shown it read
 * (docs/design/limits.md#membership-notices). The proof is a pong: frames arrive in order, so a client answers
 * a ping only once it has read everything sent before it, and a pong that echoes the random token of a ping
 * sent after n notices acknowledges those n. Kernel buffers, on loopback a few MB, do not enter into it: a
 * client that does not read is dropped after the same number of notices on every network (the limit, or what
 * arrives within the grace period after it, at most four times the limit). Made for a
 * connection at its first notice, so other connections pay nothing; on the connection's event loop only.
 */
final class UnreadNotices {
    private static final int TOKEN_BYTES = Long.BYTES;

    /**
     * How long a ping may go unanswered before a connection at the limit is dropped: the client's round trip, and
     * the node's own event loop, which may run a burst of notice writes before it reads the pong waiting for it.
     */
    static final long GRACE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    /** At this many times the limit a connection is dropped however recent its ping. */
    static final int CEILING = 4;

    private int unread;
    /** How many of {@link #unread} were written before the outstanding ping. */
    private int beforePing;
    /** The outstanding ping's payload; 0 when none is outstanding. */
    private long token;
    /** When the outstanding ping was written ({@link System#nanoTime()}). */
    private long pingSentAt;
    private boolean checkPending;

    /** Counts one more notice written. */
    void add() {
        unread++;
    }

    /**
     * Whether the connection looks behind for good: {@code limit} unread and its ping unanswered for over the
     * grace period, or {@link #CEILING} times the limit unread. The caller decides only after its event loop has
     * read what the client sent meanwhile ({@link #startCheck}), so that a pong the loop has not read yet counts.
     */
    boolean behind(int limit, long now) {
        return unread >= CEILING * limit || unread >= limit && token != 0 && now - pingSentAt > GRACE_NANOS;
    }

    /** Marks a check as scheduled; false if one already is. */
    boolean startCheck() {
        if (checkPending) {
            return false;
        }
        checkPending = true;
        return true;
    }

    void endCheck() {
        checkPending = false;
    }

    /**
     * The payload of a ping to send after the notice just counted (null: none due): one when {@code every}
     * notices or more are unread and no ping is outstanding, so a reader is asked about once per {@code every}
     * notices and has until the limit, and the grace period, to answer.
     */
    ByteBuf pingIfDue(int every, long now) {
        if (token != 0 || unread < every) {
            return null;
        }
        pingSentAt = now;
        return newPing();
    }

    /**
     * The payload a keepalive ping carries: the outstanding token (a client may answer only the latest ping, and
     * its pong acknowledges all before), a new one if notices are unread and none is outstanding, else empty.
     */
    ByteBuf keepalivePayload(long now) {
        if (token != 0) {
            return Unpooled.copyLong(token);
        }
        if (unread == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        pingSentAt = now;
        return newPing();
    }

    private ByteBuf newPing() {
        long t;
        do {
            t = ThreadLocalRandom.current().nextLong();
        } while (t == 0);
        token = t;
        beforePing = unread;
        return Unpooled.copyLong(t);
    }

    /** A pong arrived: if it echoes the outstanding token, what was sent before that ping has been read. */
    void pong(ByteBuf payload) {
        if (token != 0 && payload.readableBytes() == TOKEN_BYTES && payload.getLong(payload.readerIndex()) == token) {
            unread -= beforePing;
            beforePing = 0;
            token = 0;
        }
    }

    int unread() {
        return unread;
    }
}
