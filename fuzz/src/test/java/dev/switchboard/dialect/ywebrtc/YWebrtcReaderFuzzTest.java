package dev.switchboard.dialect.ywebrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.fuzz.Reference;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link YWebrtcReader} against the y-webrtc server's own reading of a frame (docs/protocols/y-webrtc.md),
 * written over the reference parser's tree: the same message kind, the same topics; and a publish relayed by
 * {@link YWebrtcWriter} reads back as the received object with {@code clients} set, nothing else changed.
 */
class YWebrtcReaderFuzzTest {
    private static final YWebrtcReader READER = new YWebrtcReader(Reference.FACTORY);

    @FuzzTest
    void readsAsTheUpstreamServerDoes(byte[] frame) {
        YWebrtcMessage message = READER.read(frame);
        JsonNode tree = Reference.tree(frame);
        JsonNode type = tree != null && tree.isObject() ? tree.get("type") : null;
        if (type == null || !type.isTextual()) {
            assertInstanceOf(YWebrtcMessage.Ignored.class, message);
            return;
        }
        switch (type.textValue()) {
            case "ping" -> assertInstanceOf(YWebrtcMessage.Ping.class, message);
            case "subscribe", "unsubscribe" -> {
                JsonNode topics = tree.get("topics");
                if (topics != null && !topics.isArray() && Reference.truthy(topics)) {
                    assertInstanceOf(YWebrtcMessage.Ignored.class, message); // upstream throws on it
                    return;
                }
                List<String> expected = new ArrayList<>();
                if (topics != null && topics.isArray()) {
                    topics.forEach(t -> {
                        if (t.isTextual()) {
                            expected.add(t.textValue());
                        }
                    });
                }
                assertEquals(type.textValue().equals("subscribe")
                        ? new YWebrtcMessage.Subscribe(expected) : new YWebrtcMessage.Unsubscribe(expected), message);
            }
            case "publish" -> {
                JsonNode topic = tree.get("topic");
                if (topic == null || !topic.isTextual() || topic.textValue().isEmpty()) {
                    assertInstanceOf(YWebrtcMessage.Ignored.class, message);
                    return;
                }
                YWebrtcMessage.Publish publish = assertInstanceOf(YWebrtcMessage.Publish.class, message);
                assertEquals(topic.textValue(), publish.topic());
                int clients = frame.length % 7;
                ObjectNode expected = ((ObjectNode) tree).deepCopy();
                expected.put("clients", clients);
                assertEquals(expected, Reference.written(YWebrtcWriter.publish(publish, clients)), "relayed publish");
            }
            default -> assertInstanceOf(YWebrtcMessage.Ignored.class, message);
        }
    }
}
