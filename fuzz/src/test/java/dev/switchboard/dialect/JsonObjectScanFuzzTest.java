package dev.switchboard.dialect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fuzz.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * {@link JsonObjectScan} against the reference parser: it accepts a frame exactly when the reference reads one
 * JSON object; each member it notes reads back, from the bytes it points at, as the value the reference holds
 * for that name (the last one when a name repeats); and {@link JsonObjectScan#rootType} names the reference's
 * root type.
 */
class JsonObjectScanFuzzTest {
    static final Set<String> NAMES = Set.of("type", "to", "from", "topic", "topics", "clients", "target", "a", "");

    @FuzzTest
    void agreesWithTheReferenceParser(byte[] frame) {
        JsonNode tree = Reference.tree(frame);
        JsonObjectScan scan = JsonObjectScan.of(Reference.FACTORY, frame, NAMES);
        assertEquals(tree != null && tree.isObject(), scan != null, "accepted as one JSON object");
        assertEquals(tree == null ? null : Reference.typeName(tree), JsonObjectScan.rootType(Reference.FACTORY, frame), "root type");
        if (scan == null) {
            return;
        }
        for (String name : NAMES) {
            JsonNode expected = tree.get(name);
            JsonObjectScan.Value value = scan.get(name);
            if (expected == null) {
                assertNull(value, name);
                assertEquals(0, scan.all(name).size(), name);
                continue;
            }
            assertNotNull(value, name);
            assertEquals(Reference.typeName(expected), JsonObjectScan.typeOf(value), name);
            assertEquals(expected, Reference.tree(value.raw(frame).getBytes(StandardCharsets.UTF_8)),
                    "the bytes noted for " + name);
            if (expected.isTextual()) {
                assertEquals(expected.textValue(), value.text(), name);
            }
            assertEquals(Reference.truthy(expected), value.truthy(), name + " truthiness");
            assertFalse(scan.all(name).isEmpty(), name);
        }
        assertEquals(tree, Reference.tree(scan.objectBytes()), "the object's own bytes");
        assertEquals(tree.isEmpty(), scan.isEmptyObject(), "empty object");
        if (!Arrays.equals(scan.objectBytes(), frame)) {
            assertEquals(scan.frame(), frame);
        }
    }
}
