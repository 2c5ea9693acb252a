package dev.switchboard.dialect.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.fuzz.Reference;

/**
 * {@link RendezvousReader} against the protocol (docs/protocols/rendezvous.md) checked over the reference
 * parser's tree: what is not an object with a string type is refused with a reason; a register carries the
 * sent key and signature; a relay is addressed to the sent {@code to} and {@link RendezvousWriter} relays it as
 * the received object with {@code to} renamed {@code from} and the sender's ID in it, no client {@code from}
 * left. Every refusal's error message is valid JSON carrying the reason.
 */
class RendezvousReaderFuzzTest {
    private static final RendezvousReader READER = new RendezvousReader(Reference.FACTORY);
    private static final String SENDER = "a1b2c3";

    @FuzzTest
    void readsAsTheProtocolSays(byte[] frame) {
        RendezvousMessage message = READER.read(frame);
        JsonNode tree = Reference.tree(frame);
        if (message instanceof RendezvousMessage.Bad bad) {
            assertEquals(bad.reason(), Reference.written(RendezvousWriter.error(bad.reason())).get("message").textValue());
        }
        JsonNode type = tree != null && tree.isObject() ? tree.get("type") : null;
        if (type == null || !type.isTextual()) {
            assertInstanceOf(RendezvousMessage.Bad.class, message);
            return;
        }
        if (type.textValue().equals("register")) {
            JsonNode signature = tree.get("signature");
            if (signature != null && !signature.isNull() && !signature.isTextual()) {
                assertInstanceOf(RendezvousMessage.Bad.class, message);
                return;
            }
            RendezvousMessage.Register register = assertInstanceOf(RendezvousMessage.Register.class, message);
            assertEquals(tree.get("publicKey"), register.publicKey());
            assertEquals(signature == null || signature.isNull() ? null : signature.textValue(), register.signature());
            RendezvousKeysFuzzTest.parseAsDocumented(register.publicKey());
            return;
        }
        JsonNode to = tree.get("to");
        if (!RendezvousReader.RELAY_TYPES.contains(type.textValue()) || to == null || !to.isTextual()
                || to.textValue().isEmpty()) {
            assertInstanceOf(RendezvousMessage.Bad.class, message);
            return;
        }
        if (message instanceof RendezvousMessage.Bad) {
            return; // a repeated "to" or "from": the tree keeps only the last, so it cannot tell
        }
        RendezvousMessage.Relay relay = assertInstanceOf(RendezvousMessage.Relay.class, message);
        assertEquals(to.textValue(), relay.to());
        ObjectNode expected = ((ObjectNode) tree).deepCopy();
        expected.remove("to");
        expected.put("from", SENDER);
        assertEquals(expected, Reference.written(RendezvousWriter.relay(relay, RendezvousWriter.fromMember(SENDER))), "relayed message");
    }
}
