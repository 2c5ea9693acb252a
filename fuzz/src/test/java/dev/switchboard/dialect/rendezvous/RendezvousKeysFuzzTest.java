package dev.switchboard.dialect.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fuzz.Reference;
import java.nio.charset.StandardCharsets;

/**
 * Public-key identity from a client's JWK ({@link RendezvousKeys}): any JSON value as {@code publicKey} is
 * either refused with a reason ({@code KeyRefused}) or taken as a key whose canonical form reads back as the
 * sent key's essential members, whose peer ID is that form's SHA-256; a signature check of whatever the
 * client sends as signature only says yes or no (or refuses bad base64url), never fails otherwise.
 */
class RendezvousKeysFuzzTest {
    private static final String NONCE = "c2VydmVyIG5vbmNl";

    @FuzzTest
    void refusesOrValidates(byte[] jwk) {
        JsonNode tree = Reference.tree(jwk);
        if (tree == null) {
            return;
        }
        RendezvousKeys.PublicJwk key = parseAsDocumented(tree);
        if (key == null) {
            return;
        }
        // the signature: the tail of the frame's text, as any string a client could send
        String text = Reference.show(jwk);
        try {
            assertFalse(RendezvousKeys.verify(key, NONCE, text.substring(text.length() / 2)), "a signature verified");
        } catch (RendezvousKeys.KeyRefused refused) {
            assertEquals("signature must be base64url", refused.getMessage());
        }
    }

    /** Parses a client's publicKey: a key (checked against what was sent), or null when refused with a reason. */
    static RendezvousKeys.PublicJwk parseAsDocumented(JsonNode publicKey) {
        RendezvousKeys.PublicJwk key;
        try {
            key = RendezvousKeys.parse(publicKey);
        } catch (RendezvousKeys.KeyRefused refused) {
            assertFalse(refused.getMessage() == null || refused.getMessage().isEmpty(), "a refusal without a reason");
            return null;
        }
        JsonNode canonical = Reference.written(key.canonical());
        canonical.fieldNames().forEachRemaining(name -> assertEquals(publicKey.get(name), canonical.get(name), name));
        assertEquals(RendezvousKeys.peerId(key.canonical()), key.peerId());
        assertEquals(64, key.peerId().length());
        assertEquals(key.canonical(), new String(key.canonical().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        return key;
    }
}
