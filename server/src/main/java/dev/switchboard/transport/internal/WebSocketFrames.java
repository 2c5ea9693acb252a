package dev.switchboard.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Encodes a complete, unmasked server-to-client text frame (RFC 6455 §5.2) into one buffer, so the same bytes
 * can be written to every receiver with {@code retainedDuplicate()}; Netty's frame encoder passes raw buffers
 * through untouched.
 */
final class WebSocketFrames {
    private static final int FIN_TEXT = 0x81;

    private WebSocketFrames() {
    }

    static ByteBuf text(ByteBufAllocator alloc, byte[] payload) {
        int length = payload.length;
        int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuf frame = alloc.directBuffer(header + length);
        frame.writeByte(FIN_TEXT);
        if (length < 126) {
            frame.writeByte(length);
        } else if (length <= 0xFFFF) {
            frame.writeByte(126);
            frame.writeShort(length);
        } else {
            frame.writeByte(127);
            frame.writeLong(length);
        }
        frame.writeBytes(payload);
        return frame;
    }
}
