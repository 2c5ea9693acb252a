package dev.switchboard.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A fragmented message being joined (RFC 6455 §5.4). A connection holds one only between a message's first and
 * last fragment, so an idle connection pays one null reference for fragmentation. Joined here rather than by
 * Netty's aggregator handler, which with its pipeline context cost ~110 bytes per idle connection.
 */
final class PartialMessage {
    private final ByteBuf joined;
    private final boolean binary;
    private final int maxMessageBytes;
    /** Set by the keepalive tick: a message still open at the next tick has taken too long. */
    private boolean seenByTick;

    PartialMessage(ByteBufAllocator alloc, ByteBuf first, boolean binary, int maxMessageBytes) {
        this.joined = alloc.heapBuffer(Math.min(2 * first.readableBytes(), maxMessageBytes));
        this.binary = binary;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Appends a fragment's payload; false, and nothing appended, when the message would pass the limit. */
    boolean append(ByteBuf fragment) {
        if (joined.readableBytes() + fragment.readableBytes() > maxMessageBytes) {
            return false;
        }
        joined.writeBytes(fragment);
        return true;
    }

    /** The message so far; valid until {@link #release}. */
    ByteBuf content() {
        return joined;
    }

    boolean binary() {
        return binary;
    }

    /** Marks this message as seen by a keepalive tick; true if it was already (it outlived a whole interval). */
    boolean outlivedTick() {
        boolean outlived = seenByTick;
        seenByTick = true;
        return outlived;
    }

    void release() {
        joined.release();
    }
}
