package dev.switchboard.dialect.radix;

import com.fasterxml.jackson.core.JsonFactory;
import dev.switchboard.dialect.JsonObjectScan;
import dev.switchboard.dialect.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a Radix Connect client frame and validates it against upstream's schema ({@code MessageIO}:
 * requestId, method, encryptedPayload and targetClientId required; source, connectionId and startAt
 * optional), reporting failures as zod 3 does: its issue objects, with the key order zod gives them, and
 * in its order — plain fields in schema order, then the unions ({@code method}, {@code source}), which zod's
 * asynchronous parse settles last.
 */
final class RadixReader {
    private static final Set<String> MEMBERS = Set.of("requestId", "method", "source", "connectionId",
            "encryptedPayload", "targetClientId", "startAt");
    private static final List<String> METHODS = List.of("offer", "answer", "iceCandidate", "iceCandidates");
    private static final List<String> ROLES = List.of("wallet", "extension");

    private final JsonFactory json;

    RadixReader(JsonFactory json) {
        this.json = json;
    }

    RadixMessage read(byte[] frame) {
        JsonObjectScan scan = JsonObjectScan.of(json, frame, MEMBERS);
        if (scan == null) {
            String root = JsonObjectScan.rootType(json, frame);
            String raw = new String(frame, StandardCharsets.UTF_8);
            if (root == null) {
                return new RadixMessage.NotJson(raw);
            }
            String issue = typeIssue("object", root, "[]");
            // requestId of a string, array or primitive root is undefined, so it is left out
            return new RadixMessage.Invalid(null, "[" + issue + "]");
        }
        List<String> issues = new ArrayList<>();
        requiredString(scan, "requestId", issues);
        optional(scan, "connectionId", "string", issues);
        requiredString(scan, "encryptedPayload", issues);
        requiredString(scan, "targetClientId", issues);
        optional(scan, "startAt", "number", issues);
        literalUnion(scan.get("method"), "method", METHODS, issues);
        JsonObjectScan.Value source = scan.get("source");
        if (source != null) {
            literalUnion(source, "source", ROLES, issues);
        }
        JsonObjectScan.Value requestId = scan.get("requestId");
        if (!issues.isEmpty()) {
            return new RadixMessage.Invalid(requestId == null ? null : requestId.raw(frame),
                    "[" + String.join(",", issues) + "]");
        }
        return new RadixMessage.Signal(requestId.text(), scan.string("method"), scan.string("targetClientId"),
                scan.objectBytes());
    }

    private static void requiredString(JsonObjectScan scan, String name, List<String> issues) {
        String type = JsonObjectScan.typeOf(scan.get(name));
        if (!type.equals("string")) {
            issues.add(typeIssue("string", type, "[\"" + name + "\"]"));
        }
    }

    private static void optional(JsonObjectScan scan, String name, String expected, List<String> issues) {
        JsonObjectScan.Value v = scan.get(name);
        if (v != null && !JsonObjectScan.typeOf(v).equals(expected)) {
            issues.add(typeIssue(expected, JsonObjectScan.typeOf(v), "[\"" + name + "\"]"));
        }
    }

    /** zod's invalid_type issue; "Required" when the value is missing. */
    private static String typeIssue(String expected, String received, String path) {
        String message = received.equals("undefined") ? "Required" : "Expected " + expected + ", received " + received;
        return "{\"code\":\"invalid_type\",\"expected\":\"" + expected + "\",\"received\":\"" + received
                + "\",\"path\":" + path + ",\"message\":\"" + message + "\"}";
    }

    /** zod's invalid_union issue over string literals, with one ZodError per failed option. */
    private static void literalUnion(JsonObjectScan.Value v, String name, List<String> literals, List<String> issues) {
        if (v != null && v.isString() && literals.contains(v.text())) {
            return;
        }
        String path = "[\"" + name + "\"]";
        StringBuilder b = new StringBuilder("{\"code\":\"invalid_union\",\"unionErrors\":[");
        for (int i = 0; i < literals.size(); i++) {
            String expected = JsonStrings.quote(literals.get(i));
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"issues\":[{\"code\":\"invalid_literal\",\"expected\":").append(expected)
                    .append(",\"path\":").append(path).append(",\"message\":")
                    .append(JsonStrings.quote("Invalid literal value, expected " + expected))
                    .append("}],\"name\":\"ZodError\"}");
        }
        issues.add(b.append("],\"path\":").append(path).append(",\"message\":\"Invalid input\"}").toString());
    }
}
