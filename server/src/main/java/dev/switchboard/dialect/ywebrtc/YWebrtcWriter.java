package dev.switchboard.dialect.ywebrtc;

import java.nio.charset.StandardCharsets;

/**
 * Writes the two frames a y-webrtc server ever sends. A relayed publish is the client's own bytes with
 * {@code clients} overwritten in place, or appended as the last member, exactly where {@code JSON.stringify}
 * of the parsed object would put it; nothing else is re-encoded, so keys, numbers and {@code data} stay
 * byte-identical.
 */
final class YWebrtcWriter {
    static final byte[] PONG = "{\"type\":\"pong\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENTS_MEMBER = "\"clients\":".getBytes(StandardCharsets.US_ASCII);

    private YWebrtcWriter() {
    }

    static byte[] publish(YWebrtcMessage.Publish message, int clients) {
        byte[] frame = message.frame();
        byte[] count = Integer.toString(clients).getBytes(StandardCharsets.US_ASCII);
        int[] spans = message.clientsSpans();
        if (spans.length == 0) {
            int at = message.appendAt();
            int extra = (message.empty() ? 0 : 1) + CLIENTS_MEMBER.length + count.length;
            byte[] out = new byte[frame.length + extra];
            System.arraycopy(frame, 0, out, 0, at);
            int i = at;
            if (!message.empty()) {
                out[i++] = ',';
            }
            System.arraycopy(CLIENTS_MEMBER, 0, out, i, CLIENTS_MEMBER.length);
            i += CLIENTS_MEMBER.length;
            System.arraycopy(count, 0, out, i, count.length);
            i += count.length;
            System.arraycopy(frame, at, out, i, frame.length - at);
            return out;
        }
        int size = frame.length;
        for (int s = 0; s < spans.length; s += 2) {
            size += count.length - (spans[s + 1] - spans[s]);
        }
        byte[] out = new byte[size];
        int from = 0;
        int to = 0;
        for (int s = 0; s < spans.length; s += 2) {
            int len = spans[s] - from;
            System.arraycopy(frame, from, out, to, len);
            to += len;
            System.arraycopy(count, 0, out, to, count.length);
            to += count.length;
            from = spans[s + 1];
        }
        System.arraycopy(frame, from, out, to, frame.length - from);
        return out;
    }
}
