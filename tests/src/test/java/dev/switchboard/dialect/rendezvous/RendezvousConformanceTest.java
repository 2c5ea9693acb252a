package dev.switchboard.dialect.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Rendezvous (docs/protocols/rendezvous.md) over real sockets, with keys and signatures from the JDK's crypto. */
class RendezvousConformanceTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private final ObjectMapper json = new ObjectMapper();
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** A connected client and the nonce of its challenge. */
    private record Peer(WsClient ws, String nonce) implements AutoCloseable {
        @Override
        public void close() {
            ws.close();
        }
    }

    private Peer connect(String room) throws Exception {
        WsClient ws = WsClient.connect(node.port(), "/room/" + room + "/websocket");
        JsonNode challenge = json.readTree(ws.next());
        assertThat(challenge.get("type").asText()).isEqualTo("challenge");
        return new Peer(ws, challenge.get("nonce").asText());
    }

    private JsonNode next(Peer p) throws Exception {
        return json.readTree(p.ws().next());
    }

    @Test
    void challengeCarriesAFreshUnguessableNonce() throws Exception {
        try (Peer a = connect("r"); Peer b = connect("r")) {
            assertThat(Base64.getUrlDecoder().decode(a.nonce())).hasSizeGreaterThanOrEqualTo(16);
            assertThat(a.nonce()).isNotEqualTo(b.nonce());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"P-256", "P-384", "P-521", "Ed25519", "RSA-2048"})
    void everyKeyTypeRegistersWithTheSeedsPeerIdAndIsVerifiedBySignature(String kind) throws Exception {
        TestKeys keys = TestKeys.create(kind);
        TestKeys other = TestKeys.create("P-256");
        try (Peer first = connect("lobby"); Peer p = connect("lobby")) {
            first.ws().send(other.register(null));
            JsonNode firstWelcome = next(first);
            assertThat(firstWelcome.toString()).isEqualTo("{\"type\":\"welcome\",\"peerId\":\"" + other.peerId + "\",\"peers\":[]}");

            p.ws().send(keys.register(p.nonce()));
            JsonNode welcome = next(p);
            assertThat(welcome.get("type").asText()).isEqualTo("welcome");
            assertThat(welcome.get("peerId").asText()).isEqualTo(keys.peerId).matches("[0-9a-f]{64}");
            JsonNode peers = welcome.get("peers");
            assertThat(peers).hasSize(1);
            assertThat(peers.get(0).get("id").asText()).isEqualTo(other.peerId);
            assertThat(peers.get(0).has("verified")).isFalse(); // it did not sign
            assertThat(peers.get(0).get("publicKey").toString()).isEqualTo(
                    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":" + json.readTree(other.jwk).get("x") + ",\"y\":"
                            + json.readTree(other.jwk).get("y") + "}");

            JsonNode joined = next(first);
            assertThat(joined.get("type").asText()).isEqualTo("peer-joined");
            assertThat(joined.get("peerId").asText()).isEqualTo(keys.peerId);
            assertThat(joined.get("verified").asBoolean()).isTrue();
            JsonNode jwk = joined.get("publicKey");
            assertThat(jwk.has("ext")).isFalse(); // only the essential members travel
            assertThat(TestKeys.sha256Hex(jwk.toString())).isEqualTo(keys.peerId);
        }
    }

    @Test
    void relayReplacesToWithTheSendersIdAndKeepsEveryOtherByte() throws Exception {
        TestKeys ka = TestKeys.create("P-256");
        TestKeys kb = TestKeys.create("Ed25519");
        try (Peer a = connect("room"); Peer b = connect("room")) {
            a.ws().send(ka.register(a.nonce()));
            next(a);
            b.ws().send(kb.register(b.nonce()));
            next(b);
            next(a); // peer-joined
            String offer = "{\"type\":\"offer\",\"to\":\"" + kb.peerId + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"},\"n\":1.50}";
            a.ws().send(offer);
            assertThat(b.ws().next()).isEqualTo(offer.replace("\"to\":\"" + kb.peerId + "\"", "\"from\":\"" + ka.peerId + "\""));
            String candidate = "{\"type\":\"ice-candidate\",\"to\":\"" + ka.peerId + "\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\"}}";
            b.ws().send(candidate);
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"ice-candidate\",\"from\":\"" + kb.peerId + "\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\"}}");
            b.ws().send("{\"type\":\"answer\",\"to\":\"" + ka.peerId + "\",\"sdp\":{}}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"answer\",\"from\":\"" + kb.peerId + "\",\"sdp\":{}}");
            // a from of the client's own making is dropped, wherever it stands: the server says who sent it
            b.ws().send("{\"from\":\"forged\", \"type\":\"answer\",\"to\":\"" + ka.peerId + "\",\"sdp\":{}}");
            assertThat(a.ws().next()).isEqualTo("{ \"type\":\"answer\",\"from\":\"" + kb.peerId + "\",\"sdp\":{}}");
            b.ws().send("{\"type\":\"answer\",\"to\":\"" + ka.peerId + "\",\"sdp\":{},\"from\":\"forged\"}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"answer\",\"from\":\"" + kb.peerId + "\",\"sdp\":{}}");
        }
    }

    @Test
    void badInputGetsAnErrorAndTheSocketStays() throws Exception {
        TestKeys k = TestKeys.create("P-256");
        try (Peer a = connect("room")) {
            a.ws().send("{\"type\":\"offer\",\"to\":\"x\"}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"register first\"}");
            a.ws().send("not json");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"invalid JSON\"}");
            a.ws().send("[1]");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"a message must be a JSON object\"}");
            a.ws().send("{\"x\":1}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"a message needs a string \\\"type\\\"\"}");
            a.ws().send("{\"type\":\"dance\"}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"unknown message type: dance\"}");
            a.ws().send(k.register(null));
            assertThat(next(a).get("type").asText()).isEqualTo("welcome");
            a.ws().send("{\"type\":\"offer\",\"to\":\"" + "0".repeat(64) + "\"}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"unknown peer: " + "0".repeat(64) + "\"}");
            a.ws().send("{\"type\":\"offer\",\"to\":5}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"\\\"to\\\" must be one peer ID\"}");
            a.ws().send("{\"type\":\"offer\",\"to\":\"" + k.peerId + "\",\"from\":\"x\",\"from\":\"y\"}");
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"\\\"from\\\" is set by the server\"}");
            a.ws().send(k.register(null));
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"error\",\"message\":\"already registered as " + k.peerId + "\"}");
            assertThat(a.ws().isOpen()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"register\"}",
        "{\"type\":\"register\",\"publicKey\":\"abc\"}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AA\",\"y\":\"AA\"}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AA\"}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"not base64!\"}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":7,\"y\":8}}",
        "{\"type\":\"register\",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"a\",\"y\":\"b\",\"d\":\"secret\"}}"})
    void malformedOrPrivateKeysAreRefused(String register) throws Exception {
        try (Peer a = connect("room"); Peer watcher = connect("room")) {
            TestKeys w = TestKeys.create("P-256");
            watcher.ws().send(w.register(null));
            next(watcher);
            a.ws().send(register);
            JsonNode error = next(a);
            assertThat(error.get("type").asText()).isEqualTo("error");
            assertThat(error.get("message").asText()).isNotBlank();
            assertThat(watcher.ws().poll(QUIET)).isNull(); // nothing was registered, nothing relayed
            assertThat(a.ws().isOpen()).isTrue();
        }
    }

    @Test
    void privateKeyMaterialIsNamedInTheError() throws Exception {
        TestKeys k = TestKeys.create("P-256");
        String withD = k.jwk.substring(0, k.jwk.length() - 1) + ",\"d\":\"c2VjcmV0\"}";
        try (Peer a = connect("room")) {
            a.ws().send("{\"type\":\"register\",\"publicKey\":" + withD + "}");
            assertThat(next(a).get("message").asText()).contains("private key material").contains("\"d\"");
        }
    }

    @Test
    void smallRsaKeysAndBadSignaturesAreRefused() throws Exception {
        TestKeys small = TestKeys.create("RSA-1024");
        TestKeys k = TestKeys.create("P-256");
        TestKeys thief = TestKeys.create("P-256");
        try (Peer a = connect("room")) {
            a.ws().send(small.register(null));
            assertThat(next(a).get("message").asText()).contains("2048");
            // an exponent other than 65537 (here 2^64+1): a key that would make every check slow
            java.security.interfaces.RSAPublicKey rsa = (java.security.interfaces.RSAPublicKey)
                    TestKeys.create("RSA-2048").pair.getPublic();
            java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
            byte[] modulus = rsa.getModulus().toByteArray();
            String n = b64.encodeToString(modulus[0] == 0 ? java.util.Arrays.copyOfRange(modulus, 1, modulus.length) : modulus);
            String hugeE = b64.encodeToString(java.math.BigInteger.ONE.shiftLeft(64).add(java.math.BigInteger.ONE).toByteArray());
            a.ws().send("{\"type\":\"register\",\"publicKey\":{\"kty\":\"RSA\",\"n\":\"" + n + "\",\"e\":\"" + hugeE + "\"}}");
            assertThat(next(a).get("message").asText()).isEqualTo("RSA public exponent must be 65537 (\"e\":\"AQAB\")");
            a.ws().send(k.register(a.nonce()));
            JsonNode welcome = next(a);
            assertThat(welcome.get("peerId").asText()).as("two refusals leave the connection open").isEqualTo(k.peerId);
        }
        try (Peer b = connect("room2")) {
            // a signature made with another key (someone registering a key they do not hold)
            b.ws().send("{\"type\":\"register\",\"publicKey\":" + k.jwk + ",\"signature\":\"" + thief.sign(b.nonce()) + "\"}");
            assertThat(next(b).get("message").asText()).startsWith("signature does not verify");
            b.ws().send("{\"type\":\"register\",\"publicKey\":" + k.jwk + ",\"signature\":\"" + k.sign("another nonce") + "\"}");
            assertThat(next(b).get("message").asText()).startsWith("signature does not verify");
            // the third refusal closes: each may have cost a signature check
            b.ws().send("{\"type\":\"register\",\"publicKey\":" + k.jwk + ",\"signature\":\"%%%\"}");
            assertThat(next(b).get("message").asText()).isEqualTo("signature must be base64url");
            assertThat(b.ws().awaitClose(Duration.ofSeconds(30)))
                    .isEqualTo(new WsClient.CloseStatus(1008, "too many failed registrations"));
        }
    }

    /**
     * Issue "Survive hostile clients", row 4: sockets that register costly keys with bad signatures without end.
     * Each check runs off the event loops, and each socket is closed at its third refusal; a bystander on the same
     * node keeps its round trips.
     */
    @Test
    void costlySignatureChecksRunOffTheLoopsAndTheirSendersAreClosed() throws Exception {
        TestKeys p521 = TestKeys.create("P-521");
        try (WsClient bystander = WsClient.connect(node.port(), "/")) {
            java.util.List<Peer> abusers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                abusers.add(connect("costly"));
            }
            for (int round = 0; round < 3; round++) {
                for (Peer a : abusers) {
                    a.ws().send("{\"type\":\"register\",\"publicKey\":" + p521.jwk + ",\"signature\":\""
                            + p521.sign("not the nonce") + "\"}");
                }
                bystander.send("{\"type\":\"ping\"}");
                assertThat(bystander.next()).isEqualTo("{\"type\":\"pong\"}");
            }
            for (Peer a : abusers) {
                for (int i = 0; i < 3; i++) {
                    assertThat(next(a).get("message").asText()).startsWith("signature does not verify");
                }
                assertThat(a.ws().awaitClose(Duration.ofSeconds(30)))
                        .isEqualTo(new WsClient.CloseStatus(1008, "too many failed registrations"));
            }
        }
    }

    @Test
    void sameIdTwiceUnverifiedNewcomerIsRefusedVerifiedNewcomerReplaces() throws Exception {
        TestKeys k = TestKeys.create("Ed25519");
        TestKeys w = TestKeys.create("P-256");
        try (Peer watcher = connect("room"); Peer holder = connect("room"); Peer copycat = connect("room");
             Peer owner = connect("room")) {
            watcher.ws().send(w.register(null));
            next(watcher);
            holder.ws().send(k.register(null));
            next(holder);
            next(watcher); // peer-joined
            copycat.ws().send(k.register(null)); // the public key alone proves nothing
            assertThat(next(copycat).get("message").asText()).startsWith("peer ID already connected in this room");
            assertThat(holder.ws().isOpen()).isTrue();
            owner.ws().send(k.register(owner.nonce())); // proof of possession wins
            JsonNode welcome = next(owner);
            assertThat(welcome.get("peerId").asText()).isEqualTo(k.peerId);
            assertThat(welcome.get("peers")).hasSize(1);
            assertThat(holder.ws().awaitClose(Duration.ofSeconds(5))).isEqualTo(new WsClient.CloseStatus(4002, "replaced"));
            assertThat(next(watcher).toString()).isEqualTo("{\"type\":\"peer-left\",\"peerId\":\"" + k.peerId + "\"}");
            JsonNode rejoined = next(watcher);
            assertThat(rejoined.get("type").asText()).isEqualTo("peer-joined");
            assertThat(rejoined.get("verified").asBoolean()).isTrue();
            assertThat(watcher.ws().poll(QUIET)).isNull(); // the replaced socket's close announces nothing more
        }
    }

    @Test
    void peerLeftWhenAPeerGoesAndRoomsAreApart() throws Exception {
        TestKeys ka = TestKeys.create("P-256");
        TestKeys kb = TestKeys.create("P-256");
        TestKeys kc = TestKeys.create("P-256");
        try (Peer a = connect("caf%C3%A9"); Peer elsewhere = connect("other")) {
            a.ws().send(ka.register(null));
            next(a);
            elsewhere.ws().send(kc.register(null));
            assertThat(next(elsewhere).get("peers")).isEmpty();
            try (Peer b = connect("caf\u00e9".replace("\u00e9", "%c3%a9"))) { // the same room, differently escaped
                b.ws().send(kb.register(null));
                assertThat(next(b).get("peers").get(0).get("id").asText()).isEqualTo(ka.peerId);
                assertThat(next(a).get("peerId").asText()).isEqualTo(kb.peerId);
            }
            assertThat(a.ws().next()).isEqualTo("{\"type\":\"peer-left\",\"peerId\":\"" + kb.peerId + "\"}");
            assertThat(elsewhere.ws().poll(QUIET)).isNull();
        }
    }

    @Test
    void roomNamesLongerThan256CharactersAreRefused() throws Exception {
        try (WsClient c = WsClient.connect(node.port(), "/room/" + "r".repeat(257) + "/websocket")) {
            assertThat(c.next()).isEqualTo("{\"type\":\"error\",\"message\":\"room name must be 1 to 256 characters\"}");
            assertThat(c.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1008);
        }
    }

    @Test
    void proofCanBeMadeMandatory() throws Exception {
        try (Switchboard strict = TestNodes.start(TestNodes.config().rendezvousRequireProof(true).build())) {
            TestKeys k = TestKeys.create("P-384");
            WsClient c = WsClient.connect(strict.port(), "/room/r/websocket");
            String nonce = json.readTree(c.next()).get("nonce").asText();
            c.send(k.register(null));
            assertThat(json.readTree(c.next()).get("message").asText()).startsWith("proof of possession required");
            c.send(k.register(nonce));
            JsonNode welcome = json.readTree(c.next());
            assertThat(welcome.get("peerId").asText()).isEqualTo(k.peerId);
            c.close();
        }
    }
}
