package dev.switchboard.transport.internal;

import io.netty.buffer.ByteBuf;

/**
 * The UTF-8 check of text messages (RFC 6455 §8.1: invalid text closes with 1007). Relayed as is, invalid
 * bytes would make every receiving browser fail its own connection, so one bad client could cut off a whole
 * room. Runs on the whole message once its fragments are joined, so it needs no state (and no
 * handler of its own per connection); takes eight bytes at a time while they are ASCII, as signaling mostly
 * is (SDP, base64, JSON), and checks each byte otherwise. Netty's validator walks every byte.
 */
final class Utf8 {
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {
    }

    static boolean isValid(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            while (i + 8 <= end && (buf.getLong(i) & HIGH_BITS) == 0) {
                i += 8;
            }
            if (i >= end) {
                return true;
            }
            int b = buf.getByte(i++) & 0xFF;
            if (b < 0x80) {
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b == 0xE0) {
                need = 2;
                lo = 0xA0; // no overlong form
            } else if (b == 0xED) {
                need = 2;
                hi = 0x9F; // no surrogates
            } else if (b >= 0xE1 && b <= 0xEF) {
                need = 2;
            } else if (b == 0xF0) {
                need = 3;
                lo = 0x90; // no overlong form
            } else if (b >= 0xF1 && b <= 0xF3) {
                need = 3;
            } else if (b == 0xF4) {
                need = 3;
                hi = 0x8F; // nothing past U+10FFFF
            } else {
                return false;
            }
            for (; need > 0; need--) {
                if (i >= end) {
                    return false;
                }
                int c = buf.getByte(i++) & 0xFF;
                if (c < lo || c > hi) {
                    return false;
                }
                lo = 0x80;
                hi = 0xBF;
            }
        }
        return true;
    }
}
