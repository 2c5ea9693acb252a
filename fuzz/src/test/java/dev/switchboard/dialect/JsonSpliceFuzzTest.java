package dev.switchboard.dialect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.fuzz.Reference;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link JsonSplice} writes, the reference parser reads back as the received object with exactly the
 * intended change, in {@code JSON.stringify}'s key order: {@code set} as {@code obj[name] = value} (y-webrtc's
 * {@code clients}, named-peer's {@code from}), {@code replaceMember} as Rendezvous's {@code to} renamed to
 * {@code from} with any client {@code from} dropped. The value written is a string the fuzzer also chose, so
 * {@link JsonStrings#quote} is read back too.
 */
class JsonSpliceFuzzTest {
    private static final String[] NAMES = {"from", "clients", "to", "type"};

    @FuzzTest
    void writesWhatTheReferenceReadsBack(byte[] frame) {
        JsonObjectScan scan = JsonObjectScan.of(Reference.FACTORY, frame, JsonObjectScanFuzzTest.NAMES);
        if (scan == null) {
            return;
        }
        ObjectNode tree = (ObjectNode) Reference.tree(frame);
        // a value with every kind of character a quote must escape, taken from the frame itself
        String value = Reference.show(frame).substring(0, Math.min(frame.length, 24)) + "\"\\\u0000\u2028\ud83d";
        assertEquals(value, Reference.written(JsonStrings.quote(value)).textValue(), "JsonStrings.quote read back");
        for (String name : NAMES) {
            ObjectNode expected = tree.deepCopy();
            expected.put(name, value);
            JsonNode out = Reference.written(JsonSplice.set(scan, name, JsonStrings.quote(value)));
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
            byte[] written = JsonSplice.replaceMember(scan, scan.get("to"), "\"from\":" + JsonStrings.quote(value),
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
}
