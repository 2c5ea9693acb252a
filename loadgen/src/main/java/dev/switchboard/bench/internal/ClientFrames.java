package dev.switchboard.bench.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Client-to-server text frames for the load generator, masked with a random key per frame as RFC 6455 asks
 * and browsers do, so the server pays the unmasking a real client costs it (an all-zero key would let a
 * server skip that pass and flatter its numbers).
 */
public final class ClientFrames {
    private ClientFrames() {
    }

    public static ByteBuf text(ByteBufAllocator alloc, byte[] payload) {
        return frame(alloc, 0x81, payload);
    }

    /** A close frame with status 1000 (normal closure), as a browser sends when a page closes its socket. */
    public static ByteBuf close(ByteBufAllocator alloc) {
        return frame(alloc, 0x88, new byte[] {0x03, (byte) 0xE8});
    }

    private static ByteBuf frame(ByteBufAllocator alloc, int finAndOpcode, byte[] payload) {
        int length = payload.length;
        int header = (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10) + 4;
        ByteBuf frame = alloc.directBuffer(header + length);
        frame.writeByte(finAndOpcode);
        if (length < 126) {
            frame.writeByte(0x80 | length);
        } else if (length <= 0xFFFF) {
            frame.writeByte(0x80 | 126);
            frame.writeShort(length);
        } else {
            frame.writeByte(0x80 | 127);
            frame.writeLong(length);
        }
        int key = ThreadLocalRandom.current().nextInt() | 0x01010101; // no zero octet: every byte is changed
        frame.writeInt(key);
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            int word = (payload[i] & 0xFF) << 24 | (payload[i + 1] & 0xFF) << 16 | (payload[i + 2] & 0xFF) << 8
                    | (payload[i + 3] & 0xFF);
            frame.writeInt(word ^ key);
        }
        for (; i < length; i++) {
            frame.writeByte(payload[i] ^ (key >>> (24 - 8 * (i & 3))));
        }
        return frame;
    }

    public static ByteBuf text(ByteBufAllocator alloc, String payload) {
        return text(alloc, payload.getBytes(StandardCharsets.UTF_8));
    }
}
