package dev.switchboard.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * WebSocket frames as a client sends them, built byte for byte for tests that write to a raw socket: masked (with
 * a zero mask, so the payload stays readable), any length, any first byte (fragments, reserved bits, control
 * frames).
 */
public final class ClientFrames {
    public static final int TEXT = 0x1;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;
    /** FIN: the last (or only) frame of a message. */
    public static final int FIN = 0x80;
    /** RSV1: on a message's first frame, its payload is compressed (permessage-deflate). */
    public static final int RSV1 = 0x40;

    private ClientFrames() {
    }

    /** A whole text message in one frame. */
    public static byte[] text(String text) {
        return frame(FIN | TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A frame whose first byte (FIN, RSV bits and opcode) is {@code firstByte}. */
    public static byte[] frame(int firstByte, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 14);
        out.write(firstByte);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            out.write(0x80 | 126);
            out.write(payload.length >> 8);
            out.write(payload.length);
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) payload.length >> shift));
            }
        }
        out.writeBytes(new byte[4]); // the mask: zero, the payload as is
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** {@code count} copies of {@code frame} back to back, to write in one go. */
    public static byte[] repeat(byte[] frame, int count) {
        byte[] all = new byte[frame.length * count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(frame, 0, all, i * frame.length, frame.length);
        }
        return all;
    }
}
