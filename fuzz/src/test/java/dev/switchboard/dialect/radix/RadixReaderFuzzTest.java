package dev.switchboard.dialect.radix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fuzz.Reference;
import java.util.List;

/**
 * {@link RadixReader} against upstream's message schema (docs/protocols/radix-connect.md) checked over the
 * reference parser's tree: the same frames are signals, the same are schema failures, the same are not JSON;
 * a signal carries the object as received, and a failure's zod issues and request id are valid JSON.
 */
class RadixReaderFuzzTest {
    private static final RadixReader READER = new RadixReader(Reference.FACTORY);
    private static final List<String> METHODS = List.of("offer", "answer", "iceCandidate", "iceCandidates");
    private static final List<String> ROLES = List.of("wallet", "extension");

    @FuzzTest
    void validatesAsUpstreamsSchemaDoes(byte[] frame) {
        RadixMessage message = READER.read(frame);
        JsonNode tree = Reference.tree(frame);
        if (tree == null) {
            assertEquals(new RadixMessage.NotJson(Reference.show(frame)), message);
            return;
        }
        if (valid(tree)) {
            RadixMessage.Signal signal = assertInstanceOf(RadixMessage.Signal.class, message);
            assertEquals(tree.get("requestId").textValue(), signal.requestId());
            assertEquals(tree.get("targetClientId").textValue(), signal.targetClientId());
            assertEquals(tree, Reference.written(signal.object()), "the relayed object");
            return;
        }
        RadixMessage.Invalid invalid = assertInstanceOf(RadixMessage.Invalid.class, message);
        JsonNode issues = Reference.written(invalid.issuesJson());
        assertTrue(issues.isArray() && !issues.isEmpty(), invalid.issuesJson());
        issues.forEach(issue -> assertFalse(issue.path("code").asText().isEmpty(), invalid.issuesJson()));
        JsonNode requestId = tree.isObject() ? tree.get("requestId") : null;
        if (requestId == null) {
            assertNull(invalid.requestIdJson());
        } else {
            assertEquals(requestId, Reference.written(invalid.requestIdJson()));
        }
    }

    private static boolean valid(JsonNode m) {
        return m.isObject() && text(m, "requestId") && text(m, "encryptedPayload") && text(m, "targetClientId")
                && (m.get("connectionId") == null || text(m, "connectionId"))
                && (m.get("startAt") == null || m.get("startAt").isNumber())
                && text(m, "method") && METHODS.contains(m.get("method").textValue())
                && (m.get("source") == null || text(m, "source") && ROLES.contains(m.get("source").textValue()));
    }

    private static boolean text(JsonNode m, String name) {
        return m.get(name) != null && m.get(name).isTextual();
    }
}
