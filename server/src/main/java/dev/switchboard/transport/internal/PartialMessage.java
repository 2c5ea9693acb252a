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

    void release() {
        joined.release();
    }
}
