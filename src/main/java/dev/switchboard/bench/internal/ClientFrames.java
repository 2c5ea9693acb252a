package dev.switchboard.bench.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Client-to-server text frames for the load generator. RFC 6455 requires client frames to be masked; an
 * all-zero mask key is a valid mask that leaves the payload unchanged, which spares the generator the XOR
 * pass so that it is not the bottleneck.
 */
public final class ClientFrames {
    private ClientFrames() {
    }

    public static ByteBuf text(ByteBufAllocator alloc, byte[] payload) {
        int length = payload.length;
        int header = (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10) + 4;
        ByteBuf frame = alloc.directBuffer(header + length);
        frame.writeByte(0x81);
        if (length < 126) {
            frame.writeByte(0x80 | length);
        } else if (length <= 0xFFFF) {
            frame.writeByte(0x80 | 126);
            frame.writeShort(length);
        } else {
            frame.writeByte(0x80 | 127);
            frame.writeLong(length);
        }
        frame.writeInt(0); // mask key 0
        frame.writeBytes(payload);
        return frame;
    }

    public static ByteBuf text(ByteBufAllocator alloc, String payload) {
        return text(alloc, payload.getBytes(StandardCharsets.UTF_8));
    }
}
