package dev.switchboard.dialect.ywebrtc;

import dev.switchboard.metrics.Negotiations;
import java.util.List;

/**
 * One client frame of the y-webrtc protocol as read by {@link YWebrtcReader}. A publish keeps the frame's own
 * bytes and where its {@code clients} member sits, so {@link YWebrtcWriter} can relay it without re-encoding.
 */
sealed interface YWebrtcMessage {

    /** Anything the server ignores: invalid JSON, not an object, unknown or missing type, bad field types. */
    record Ignored(String why) implements YWebrtcMessage {
    }

    record Ping() implements YWebrtcMessage {
    }

    /** Topic names that are strings, in order; other elements are already dropped. */
    record Subscribe(List<String> topics) implements YWebrtcMessage {
    }

    record Unsubscribe(List<String> topics) implements YWebrtcMessage {
    }

    /**
     * @param topic         the topic, a non-empty string
     * @param frame         the frame's bytes as received
     * @param clientsSpans  [start, end) byte ranges of every top-level {@code clients} value, in order
     * @param appendAt      where a {@code clients} member goes when there is none: just after the last member
     * @param empty         whether the object has no member at all (then no comma is needed)
     * @param signal        the WebRTC step its {@code data} carries, or null (not a signal, or encrypted)
     */
    record Publish(String topic, byte[] frame, int[] clientsSpans, int appendAt, boolean empty, Signal signal)
            implements YWebrtcMessage {
    }

    /**
     * A y-webrtc peer's {@code {"type":"signal","from":…,"to":…,"signal":{"type":"offer"…}}} as {@code data}:
     * which step, between which two peer ids. Only for telemetry (docs/design/telemetry.md).
     */
    record Signal(Negotiations.Signal kind, String from, String to) {
    }
}
