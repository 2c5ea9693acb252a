package dev.switchboard.dialect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One streaming pass over a JSON object frame that notes, for the top-level members a dialect cares about,
 * where each value sits in the frame's bytes, so the dialect can read a few fields and relay the rest
 * byte-identical (key order, number text, escapes) with {@link JsonSplice}. The whole document is validated,
 * within the factory's limits (depth, sizes); duplicate keys behave as in {@code JSON.parse}: the last wins.
 */
public final class JsonObjectScan {

    /**
     * A top-level member's value: its token kind, its bytes [start, end), its text when a string or number,
     * and where the member's name starts (so the whole member can be replaced).
     */
    public record Value(JsonToken token, int start, int end, String text, int nameStart) {
        public boolean isString() {
            return token == JsonToken.VALUE_STRING;
        }

        /** JavaScript truthiness, as {@code if (message.x)} sees the value. */
        public boolean truthy() {
            return switch (token) {
                case VALUE_NULL, VALUE_FALSE -> false;
                case VALUE_STRING -> !text.isEmpty();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Double.parseDouble(text) != 0.0;
                default -> true;
            };
        }

        /** The value's JSON text exactly as it appears in the frame. */
        public String raw(byte[] frame) {
            return new String(frame, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final byte[] frame;
    private final int objectStart;
    private final int objectEnd;
    private final Map<String, List<Value>> members;
    private final int appendAt;
    private final boolean empty;

    private JsonObjectScan(byte[] frame, int objectStart, int objectEnd, Map<String, List<Value>> members,
                           int appendAt, boolean empty) {
        this.frame = frame;
        this.objectStart = objectStart;
        this.objectEnd = objectEnd;
        this.members = members;
        this.appendAt = appendAt;
        this.empty = empty;
    }

    /**
     * Scans {@code frame}, noting the members named in {@code wanted}. Returns null when the frame is not a
     * single well-formed JSON object within the limits.
     */
    public static JsonObjectScan of(JsonFactory json, byte[] frame, Set<String> wanted) {
        try (JsonParser p = json.createParser(frame)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int objectStart = (int) p.currentTokenLocation().getByteOffset();
            Map<String, List<Value>> found = new LinkedHashMap<>();
            int count = 0;
            int lastValueStart = -1;
            String pendingName = null;
            int pendingStart = -1;
            JsonToken pendingToken = null;
            String pendingText = null;
            int pendingNameStart = -1;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                int nameStart = (int) p.currentTokenLocation().getByteOffset();
                if (pendingName != null) {
                    add(found, pendingName, new Value(pendingToken, pendingStart,
                            valueEnd(frame, pendingStart, nameStart), pendingText, pendingNameStart));
                    pendingName = null;
                }
                count++;
                String name = p.currentName();
                JsonToken value = p.nextToken();
                lastValueStart = (int) p.currentTokenLocation().getByteOffset();
                if (wanted.contains(name)) {
                    pendingName = name;
                    pendingNameStart = nameStart;
                    pendingStart = lastValueStart;
                    pendingToken = value;
                    pendingText = value.isScalarValue() && value != JsonToken.VALUE_NULL ? p.getText() : null;
                }
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT) {
                return null;
            }
            int end = (int) p.currentTokenLocation().getByteOffset();
            if (pendingName != null) {
                add(found, pendingName, new Value(pendingToken, pendingStart, valueEnd(frame, pendingStart, end),
                        pendingText, pendingNameStart));
            }
            if (p.nextToken() != null) {
                return null;
            }
            int appendAt = count == 0 ? end : valueEnd(frame, lastValueStart, end);
            return new JsonObjectScan(frame, objectStart, end + 1, found, appendAt, count == 0);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void add(Map<String, List<Value>> found, String name, Value v) {
        found.computeIfAbsent(name, k -> new ArrayList<>(1)).add(v);
    }

    /** End of a value starting at {@code start}, given the start of the next token: back over spaces and a comma. */
    public static int valueEnd(byte[] frame, int start, int nextToken) {
        int i = nextToken;
        while (i > start && isSpace(frame[i - 1])) {
            i--;
        }
        if (i > start && frame[i - 1] == ',') {
            i--;
            while (i > start && isSpace(frame[i - 1])) {
                i--;
            }
        }
        return i;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    public byte[] frame() {
        return frame;
    }

    /** The object's own bytes, without whitespace around it. */
    public byte[] objectBytes() {
        return objectStart == 0 && objectEnd == frame.length ? frame : java.util.Arrays.copyOfRange(frame, objectStart, objectEnd);
    }

    /**
     * The JSON type of a frame's root value as JavaScript's {@code typeof}-like names zod uses ("object",
     * "array", "string", "number", "boolean", "null"), or null if the frame is not one valid JSON value.
     */
    public static String rootType(JsonFactory json, byte[] frame) {
        try (JsonParser p = json.createParser(frame)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return null;
            }
            String type = switch (t) {
                case START_OBJECT -> "object";
                case START_ARRAY -> "array";
                case VALUE_STRING -> "string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
                case VALUE_TRUE, VALUE_FALSE -> "boolean";
                case VALUE_NULL -> "null";
                default -> null;
            };
            p.skipChildren();
            return p.nextToken() == null ? type : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A value's type under the same names as {@link #rootType}. */
    public static String typeOf(Value v) {
        if (v == null) {
            return "undefined";
        }
        return switch (v.token()) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            default -> "null";
        };
    }

    /** The member's value (the last one, if the key is repeated, as JSON.parse keeps), or null if absent. */
    public Value get(String name) {
        List<Value> v = members.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }

    /** The member's value when it is a string, else null. */
    public String string(String name) {
        Value v = get(name);
        return v != null && v.isString() ? v.text() : null;
    }

    /** Every occurrence of the member, in order. */
    public List<Value> all(String name) {
        return members.getOrDefault(name, List.of());
    }

    /** Where a new last member goes: right after the last member's value (or inside "{}"). */
    public int appendAt() {
        return appendAt;
    }

    public boolean isEmptyObject() {
        return empty;
    }
}
