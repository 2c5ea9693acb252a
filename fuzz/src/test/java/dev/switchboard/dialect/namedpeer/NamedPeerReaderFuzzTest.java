package dev.switchboard.dialect.namedpeer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.fuzz.Reference;

/**
 * {@link NamedPeerReader} against the named-peer server's reading of a frame (docs/protocols/named-peer.md),
 * written over the reference parser's tree; every answer {@link NamedPeerWriter} builds from what was read is
 * valid JSON, and a relay reads back as the received object with {@code from} set.
 */
class NamedPeerReaderFuzzTest {
    private static final NamedPeerReader READER = new NamedPeerReader(Reference.FACTORY);
    private static final String FROM = "peer \"one\"";

    @FuzzTest
    void readsAsTheUpstreamServerDoes(byte[] frame) {
        NamedPeerMessage message = READER.read(frame);
        JsonNode tree = Reference.tree(frame);
        JsonNode typeNode = tree != null && tree.isObject() ? tree.get("type") : null;
        assertEquals(typeNode != null && "login".equals(typeNode.textValue()), READER.isLogin(frame), "isLogin");
        if (typeNode == null || !typeNode.isTextual()) {
            assertInstanceOf(NamedPeerMessage.Invalid.class, message);
            return;
        }
        String type = typeNode.textValue();
        JsonNode target = tree.get("target");
        boolean targeted = target != null && Reference.truthy(target);
        if (type.equals("login")) {
            JsonNode name = tree.get("name");
            JsonNode alias = name == null || name.isNull() ? tree.get("id") : name;
            // "resume": absent or falsy, no resume asked; a string, the secret; any other truthy value, a request
            JsonNode resume = tree.get("resume");
            String proof = resume == null || !Reference.truthy(resume) ? null : resume.isTextual() ? resume.textValue() : "";
            assertEquals(new NamedPeerMessage.Login(alias != null && alias.isTextual() ? alias.textValue() : null, proof),
                    message);
        } else if (type.equals("ping")) {
            assertInstanceOf(NamedPeerMessage.Ping.class, message);
        } else if (NamedPeerReader.BROADCAST_TYPES.contains(type)) {
            NamedPeerMessage.Broadcast broadcast = assertInstanceOf(NamedPeerMessage.Broadcast.class, message);
            assertEquals(type, broadcast.type());
            JsonNode reason = tree.get("reason");
            if (reason != null && Reference.truthy(reason)) {
                assertEquals(reason, Reference.tree(broadcast.reasonJson().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            } else {
                assertNull(broadcast.reasonJson());
            }
            JsonNode out = Reference.written(NamedPeerWriter.broadcast(broadcast, FROM));
            assertEquals(FROM, out.get("from").textValue());
        } else if (targeted && NamedPeerReader.SERVER_TYPES.contains(type)) {
            assertEquals(new NamedPeerMessage.Reserved(type), message);
        } else if (targeted) {
            NamedPeerMessage.Relay relay = assertInstanceOf(NamedPeerMessage.Relay.class, message);
            assertEquals(target.isTextual() ? target.textValue() : null, relay.target());
            assertEquals(target, Reference.written(relay.targetJson()));
            ObjectNode expected = ((ObjectNode) tree).deepCopy();
            expected.put("from", FROM);
            assertEquals(expected, Reference.written(NamedPeerWriter.relay(relay, NamedPeerWriter.quotedName(FROM))), "relayed message");
            assertEquals(target, Reference.written(NamedPeerWriter.targetNotFound(relay.targetJson())).get("target"));
        } else {
            assertEquals(new NamedPeerMessage.Other(type), message);
        }
    }
}
