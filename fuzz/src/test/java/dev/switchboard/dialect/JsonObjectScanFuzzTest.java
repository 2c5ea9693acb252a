package dev.switchboard.dialect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.fuzz.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@link JsonObjectScan} against the reference parser: it accepts a frame exactly when the reference reads one
 * JSON object; each member it notes reads back, from the bytes it points at, as the value the reference holds
 * for that name (the last one when a name repeats); {@link JsonObjectScan#rootType} names the reference's
 * root type; and what {@link JsonSplice} writes from the scan, the reference reads back as intended.
 */
class JsonObjectScanFuzzTest {
    static final Set<String> NAMES = Set.of("type", "to", "from", "topic", "topics", "clients", "target", "a", "");
    /** The members the dialects set or replace. */
    private static final String[] SPLICED = {"from", "clients", "to", "type"};

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
        assertSplicesReadBack(frame, scan, (ObjectNode) tree);
        assertEquals(tree.isEmpty(), scan.isEmptyObject(), "empty object");
    }

    /**
     * What {@link JsonSplice} writes, the reference reads back as the received object with exactly the intended
     * change, in {@code JSON.stringify}'s key order: {@code set} as {@code obj[name] = value} (y-webrtc's
     * {@code clients}, named-peer's {@code from}), {@code replaceMember} as Rendezvous's {@code to} renamed to
     * {@code from} with any client {@code from} dropped. The value is a string taken from the frame with every
     * kind of character a quote must escape added, so {@link JsonStrings#quote} is read back too.
     */
    private static void assertSplicesReadBack(byte[] frame, JsonObjectScan scan, ObjectNode tree) {
        String value = head(Reference.show(frame)) + "\"\\\u0000\u2028\ud83d";
        assertEquals(value, Reference.written(JsonStrings.quote(value)).textValue(), "JsonStrings.quote read back");
        for (String name : SPLICED) {
            ObjectNode expected = tree.deepCopy();
            expected.put(name, value);
            JsonNode out = Reference.written(JsonSplice.set(scan, name, JsonStrings.quoteUtf8(value)));
            assertEquals(expected, out, "set " + name);
            assertEquals(names(expected), names(out), "key order after set " + name);
        }
        if (scan.all("to").size() == 1 && scan.all("from").size() <= 1) {
            List<String> order = new ArrayList<>();
            ObjectNode expected = tree.objectNode();
            tree.fieldNames().forEachRemaining(n -> {
                if (n.equals("to")) {
                    order.add("from");
                    expected.put("from", value);
                } else if (!n.equals("from")) {
                    order.add(n);
                    expected.set(n, tree.get(n));
                }
            });
            byte[] written = JsonSplice.replaceMember(scan, scan.get("to"),
                    ("\"from\":" + JsonStrings.quote(value)).getBytes(StandardCharsets.UTF_8),
                    scan.get("from"));
            JsonNode out = Reference.written(written);
            assertEquals(expected, out, "to replaced by from");
            assertEquals(order, names(out), "key order after replacing to");
        }
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String head(String s) {
        return s.substring(0, Math.min(s.length(), 24));
    }
}
