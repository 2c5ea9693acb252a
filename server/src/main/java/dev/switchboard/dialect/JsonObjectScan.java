package dev.switchboard.dialect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    /** The wanted members found, in frame order: names[i] has values[i]; a repeated key appears each time. */
    private final String[] names;
    private final Value[] values;
    private final int found;
    private final int appendAt;
    private final boolean empty;

    private JsonObjectScan(byte[] frame, int objectStart, int objectEnd, Found members, int appendAt,
                           boolean empty) {
        this.frame = frame;
        this.objectStart = objectStart;
        this.objectEnd = objectEnd;
        this.names = members.names;
        this.values = members.values;
        this.found = members.count;
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
            Found found = new Found();
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
                    found.add(pendingName, new Value(pendingToken, pendingStart,
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
                found.add(pendingName, new Value(pendingToken, pendingStart, valueEnd(frame, pendingStart, end),
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

    /** The wanted members as the scan finds them: a few per frame, kept in two small arrays (read per message). */
    private static final class Found {
        String[] names = new String[4];
        Value[] values = new Value[4];
        int count;

        void add(String name, Value v) {
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            names[count] = name;
            values[count++] = v;
        }
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
        for (int i = found - 1; i >= 0; i--) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** The member's value when it is a string, else null. */
    public String string(String name) {
        Value v = get(name);
        return v != null && v.isString() ? v.text() : null;
    }

    /** Every occurrence of the member, in order. */
    public List<Value> all(String name) {
        List<Value> all = new ArrayList<>(1);
        for (int i = 0; i < found; i++) {
            if (names[i].equals(name)) {
                all.add(values[i]);
            }
        }
        return all;
    }

    /** How many times the member occurs. */
    public int count(String name) {
        int n = 0;
        for (int i = 0; i < found; i++) {
            if (names[i].equals(name)) {
                n++;
            }
        }
        return n;
    }

    /** Where a new last member goes: right after the last member's value (or inside "{}"). */
    public int appendAt() {
        return appendAt;
    }

    public boolean isEmptyObject() {
        return empty;
    }
}
