package dev.switchboard.dialect.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.TestNodes;
import org.junit.jupiter.api.Test;

/**
 * Keys from WebCrypto, as real clients make them (Node's crypto.subtle): ECDSA P-256/P-384/P-521, Ed25519 and
 * RSASSA-PKCS1-v1_5, each exported as a JWK and used to sign the challenge; every peer ID the server assigns
 * must equal the one the client computes itself. See src/test/browser/rendezvous-webcrypto.mjs.
 */
class RendezvousWebCryptoTest {
    @Test
    void everyWebCryptoKeyTypeRegistersVerifiedWithTheExpectedPeerId() {
        try (Switchboard node = TestNodes.start()) {
            NodeScript.Result r = NodeScript.run("src/test/browser", "rendezvous-webcrypto.mjs", 60,
                    "--port", Integer.toString(node.port()));
            assertThat(r.exitCode()).as(r.describe()).isZero();
            JsonNode results = r.json().get("results");
            assertThat(results).hasSize(5);
            for (JsonNode k : results) {
                assertThat(k.get("matches").asBoolean()).as(k.toString()).isTrue();
                assertThat(k.get("allVerified").asBoolean()).as(k.toString()).isTrue();
            }
            assertThat(results.get(4).get("welcomedWith").asInt()).isEqualTo(4);
        }
    }
}
