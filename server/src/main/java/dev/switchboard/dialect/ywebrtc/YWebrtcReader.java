package dev.switchboard.dialect.ywebrtc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.switchboard.dialect.JsonObjectScan;
import dev.switchboard.metrics.Negotiations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a y-webrtc client frame in one streaming pass, without building a tree: the top-level {@code type},
 * {@code topic} and {@code topics} members, and the byte positions needed to rewrite {@code clients}. The whole
 * document is still validated (nesting depth and sizes bounded by the factory's constraints); anything the
 * upstream server would ignore, or crash on, comes back as {@link YWebrtcMessage.Ignored}.
 */
final class YWebrtcReader {
    private static final YWebrtcMessage.Ping PING = new YWebrtcMessage.Ping();

    private final JsonFactory json;

    YWebrtcReader(JsonFactory json) {
        this.json = json;
    }

    YWebrtcMessage read(byte[] frame) {
        try (JsonParser p = json.createParser(frame)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new YWebrtcMessage.Ignored("not a JSON object");
            }
            String type = null;
            String topic = null;
            List<String> topics = null;
            boolean topicsInvalid = false;
            int[] clients = null;
            YWebrtcMessage.Signal signal = null;
            int members = 0;
            int pendingClientsStart = -1;
            int lastValueStart = -1;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                int nameStart = (int) p.currentTokenLocation().getByteOffset();
                if (pendingClientsStart >= 0) {
                    clients = appendSpan(clients, pendingClientsStart, JsonObjectScan.valueEnd(frame, pendingClientsStart, nameStart));
                    pendingClientsStart = -1;
                }
                members++;
                String name = p.currentName();
                JsonToken value = p.nextToken();
                lastValueStart = (int) p.currentTokenLocation().getByteOffset();
                switch (name) {
                    case "type" -> type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "topic" -> topic = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "topics" -> {
                        topics = null;
                        topicsInvalid = false;
                        if (value == JsonToken.START_ARRAY) {
                            topics = readStrings(p);
                        } else if (isTruthy(p, value)) {
                            topicsInvalid = true; // upstream throws on a truthy non-array; we drop the frame
                        }
                    }
                    case "clients" -> pendingClientsStart = lastValueStart;
                    // an object: a peer's own message (with a room password it is an encrypted string instead)
                    case "data" -> signal = value == JsonToken.START_OBJECT ? readSignal(p) : null;
                    default -> {
                    }
                }
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT) {
                return new YWebrtcMessage.Ignored("invalid JSON");
            }
            int end = (int) p.currentTokenLocation().getByteOffset();
            if (pendingClientsStart >= 0) {
                clients = appendSpan(clients, pendingClientsStart, JsonObjectScan.valueEnd(frame, pendingClientsStart, end));
            }
            if (p.nextToken() != null) {
                return new YWebrtcMessage.Ignored("trailing content");
            }
            if (type == null) {
                return new YWebrtcMessage.Ignored("no string type");
            }
            switch (type) {
                case "ping":
                    return PING;
                case "subscribe":
                case "unsubscribe":
                    if (topicsInvalid) {
                        return new YWebrtcMessage.Ignored("topics is not an array");
                    }
                    List<String> list = topics == null ? List.of() : topics;
                    return type.equals("subscribe")
                            ? new YWebrtcMessage.Subscribe(list) : new YWebrtcMessage.Unsubscribe(list);
                case "publish":
                    if (topic == null || topic.isEmpty()) {
                        return new YWebrtcMessage.Ignored("publish without a topic");
                    }
                    int appendAt = members == 0 ? end : JsonObjectScan.valueEnd(frame, lastValueStart, end);
                    return new YWebrtcMessage.Publish(topic, frame, clients == null ? new int[0] : clients,
                            appendAt, members == 0, signal);
                default:
                    return new YWebrtcMessage.Ignored("unknown type");
            }
        } catch (IOException | RuntimeException e) {
            return new YWebrtcMessage.Ignored("invalid JSON: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Reads a publish's {@code data} object up to its end: whether it is a signal (y-webrtc's
     * {@code {type:"signal", from, to, signal:{type:"offer"|"answer"|"candidate", …}}}) and which step. The
     * walk costs what skipping the object would; strings are made only for the members of a signal.
     */
    private static YWebrtcMessage.Signal readSignal(JsonParser p) throws IOException {
        boolean isSignal = false;
        String from = null;
        String to = null;
        Negotiations.Signal kind = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_STRING) {
                switch (name) {
                    case "type" -> isSignal = textIs(p, "signal");
                    case "from" -> from = p.getText();
                    case "to" -> to = p.getText();
                    default -> {
                    }
                }
            } else if (value == JsonToken.START_OBJECT && name.equals("signal")) {
                kind = signalKind(p);
                continue;
            }
            p.skipChildren();
        }
        return isSignal && kind != null && from != null && to != null
                ? new YWebrtcMessage.Signal(kind, from, to) : null;
    }

    /** The step of a simple-peer signal object ({@code type} offer or answer; a {@code candidate} member), read to its end. */
    private static Negotiations.Signal signalKind(JsonParser p) throws IOException {
        Negotiations.Signal kind = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("type") && value == JsonToken.VALUE_STRING) {
                if (textIs(p, "offer")) {
                    kind = Negotiations.Signal.OFFER;
                } else if (textIs(p, "answer")) {
                    kind = Negotiations.Signal.ANSWER;
                } else if (textIs(p, "candidate") && kind == null) {
                    kind = Negotiations.Signal.CANDIDATE;
                }
            } else if (name.equals("candidate") && kind == null) {
                kind = Negotiations.Signal.CANDIDATE;
            }
            p.skipChildren();
        }
        return kind;
    }

    /** Whether the current string token is {@code expected}, compared in place (no String made). */
    private static boolean textIs(JsonParser p, String expected) throws IOException {
        int length = p.getTextLength();
        if (length != expected.length()) {
            return false;
        }
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        for (int i = 0; i < length; i++) {
            if (chars[offset + i] != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> readStrings(JsonParser p) throws IOException {
        List<String> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                out.add(p.getText());
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    /** JavaScript truthiness of a JSON value, as {@code message.topics || []} sees it. */
    private static boolean isTruthy(JsonParser p, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_NULL, VALUE_FALSE -> false;
            case VALUE_STRING -> !p.getText().isEmpty();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue() != 0.0;
            default -> true;
        };
    }

    private static int[] appendSpan(int[] spans, int start, int end) {
        if (spans == null) {
            return new int[] {start, end};
        }
        int[] next = java.util.Arrays.copyOf(spans, spans.length + 2);
        next[spans.length] = start;
        next[spans.length + 1] = end;
        return next;
    }
}
