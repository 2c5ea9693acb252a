package dev.switchboard.fuzz;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.dialect.JsonLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The reference the fuzz tests hold the decoders to: Jackson's tree model (databind) reading the whole document,
 * over a factory with the server's default limits, so both sides refuse the same over-deep or over-long input.
 * The streaming scans are written against Jackson's token stream; the tree reader is a separate, widely used
 * implementation of "parse this JSON", which is what a client of the relay (JSON.parse) does.
 */
public final class Reference {
    /** The server's defaults (--max-json-depth, --max-message-bytes). */
    public static final int MAX_DEPTH = 32;
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    public static final JsonFactory FACTORY = JsonLimits.factory(MAX_DEPTH, MAX_MESSAGE_BYTES);
    private static final ObjectMapper TREE = new ObjectMapper(JsonLimits.factory(MAX_DEPTH, MAX_MESSAGE_BYTES))
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** For what the server writes: no limits but the defaults, so a too-deep output is not mistaken for valid. */
    private static final ObjectMapper PLAIN = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Reference() {
    }

    /** The document as a tree, or null when the reference refuses it (invalid, several values, past a limit). */
    public static JsonNode tree(byte[] frame) {
        try {
            JsonNode node = TREE.readTree(frame);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What the server wrote, read back; fails the test when it is not one JSON value. */
    public static JsonNode written(byte[] out) {
        try {
            JsonNode node = PLAIN.readTree(out);
            if (node == null || node.isMissingNode()) {
                throw new AssertionError("the server wrote no JSON value: " + show(out));
            }
            return node;
        } catch (IOException e) {
            throw new AssertionError("the server wrote invalid JSON: " + show(out), e);
        }
    }

    public static JsonNode written(String out) {
        return written(out.getBytes(StandardCharsets.UTF_8));
    }

    public static String show(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** JavaScript truthiness of a JSON value, as {@code if (message.x)} sees it. */
    public static boolean truthy(JsonNode n) {
        if (n.isNull() || n.isBoolean() && !n.booleanValue()) {
            return false;
        }
        if (n.isTextual()) {
            return !n.textValue().isEmpty();
        }
        if (n.isNumber()) {
            return n.doubleValue() != 0.0;
        }
        return true;
    }

    /** The JSON type of a value under the names zod and JsonObjectScan#typeOf use. */
    public static String typeName(JsonNode n) {
        if (n.isObject()) {
            return "object";
        } else if (n.isArray()) {
            return "array";
        } else if (n.isTextual()) {
            return "string";
        } else if (n.isNumber()) {
            return "number";
        } else if (n.isBoolean()) {
            return "boolean";
        }
        return "null";
    }
}
