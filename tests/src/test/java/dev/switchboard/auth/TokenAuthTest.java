package dev.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;
import dev.switchboard.support.HandshakeEcho;
import dev.switchboard.support.Tokens;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RawUpgrade;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens at the WebSocket upgrade, signed by an independent implementation (Node's jose). */
class TokenAuthTest {
    private static final String SECRET = Tokens.HMAC_SECRET;
    private static final String RADIX = "/" + "ab".repeat(32);
    private static Tokens.Made made;
    private static Tokens.Made other;

    @TempDir
    static Path dir;

    private static Map<String, Object> claims(Object... pairs) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> good(String sub) {
        return claims("sub", sub, "iss", "https://issuer.example", "aud", "switchboard", "exp", Tokens.in(3600));
    }

    @BeforeAll
    static void sign() throws IOException {
        Tokens t = new Tokens().key("r1", "RS256").key("e1", "ES256").key("e3", "ES384").key("d1", "EdDSA")
                .secret(SECRET);
        for (String alg : new String[] {"HS256", "HS384", "HS512"}) {
            t.token(alg, alg, null, good(alg.toLowerCase()));
        }
        t.token("RS256", "RS256", "r1", good("rs256")).token("ES256", "ES256", "e1", good("es256"))
                .token("ES384", "ES384", "e3", good("es384")).token("EdDSA", "EdDSA", "d1", good("eddsa"))
                .token("expired", "ES256", "e1", claims("sub", "x", "iss", "https://issuer.example", "aud",
                        "switchboard", "exp", Tokens.in(-600)))
                .token("early", "ES256", "e1", claims("sub", "x", "iss", "https://issuer.example", "aud",
                        "switchboard", "exp", Tokens.in(3600), "nbf", Tokens.in(600)))
                .token("audience", "ES256", "e1", claims("sub", "x", "iss", "https://issuer.example", "aud",
                        "another-service", "exp", Tokens.in(3600)))
                .token("issuer", "ES256", "e1", claims("sub", "x", "iss", "https://evil.example", "aud",
                        "switchboard", "exp", Tokens.in(3600)))
                .token("forever", "ES256", "e1", claims("sub", "x", "iss", "https://issuer.example", "aud",
                        "switchboard"))
                .token("none", "none", null, good("none"));
        made = t.make();
        // the same key ids, other keys: a token signed by a key the node does not have
        other = new Tokens().key("e1", "ES256").key("x9", "ES256")
                .token("forged", "ES256", "e1", good("mallory")).token("unknownKid", "ES256", "x9", good("mallory"))
                .make();
        Files.writeString(dir.resolve("jwks.json"), made.jwks());
        Files.writeString(dir.resolve("secret"), SECRET + "\n");
    }

    private static SwitchboardConfig.Builder config(String auth) {
        return TestNodes.config().auth(auth).authJwks(dir.resolve("jwks.json").toString())
                .authHmacSecretFile(dir.resolve("secret").toString()).authIssuer("https://issuer.example")
                .authAudience("switchboard");
    }

    private static RawUpgrade upgrade(Switchboard node, String path, String... headers) throws IOException {
        return RawUpgrade.open(node.port(), path, new byte[0], headers);
    }

    private static String refusal(Switchboard node, String token) throws IOException {
        try (RawUpgrade u = upgrade(node, HandshakeEcho.PATH + "?token=" + token)) {
            assertThat(u.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
            assertThat(u.header("www-authenticate")).isEqualTo("Bearer");
            return u.body();
        }
    }

    @Test
    void everyAlgorithmVerifiesFromTheQueryOrTheAuthorizationHeader() throws Exception {
        try (Switchboard node = TestNodes.start(config("required").build())) {
            for (String alg : new String[] {"HS256", "HS384", "HS512", "RS256", "ES256", "ES384", "EdDSA"}) {
                try (RawUpgrade u = upgrade(node, HandshakeEcho.PATH + "?token=" + made.token(alg))) {
                    assertThat(u.statusLine()).as(alg).contains(" 101 ");
                    assertThat(u.nextFrame()).as(alg).endsWith(" subject=" + alg.toLowerCase());
                }
            }
            try (RawUpgrade u = upgrade(node, HandshakeEcho.PATH, "Authorization: Bearer " + made.token("EdDSA"))) {
                assertThat(u.statusLine()).contains(" 101 ");
                assertThat(u.nextFrame()).endsWith(" subject=eddsa");
            }
        }
    }

    @Test
    void aMissingOrBadTokenIsRefusedWith401AndItsReasonBeforeTheUpgrade() throws Exception {
        try (Switchboard node = TestNodes.start(config("required").build());
             WsClient bystander = WsClient.connect(node.port(), "/?token=" + made.token("RS256"))) {
            bystander.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
            try (RawUpgrade u = upgrade(node, "/")) {
                assertThat(u.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
                assertThat(u.body()).isEqualTo("token required");
            }
            assertThat(refusal(node, made.token("expired"))).isEqualTo("invalid token: expired");
            assertThat(refusal(node, made.token("early"))).isEqualTo("invalid token: not yet valid");
            assertThat(refusal(node, made.token("audience"))).isEqualTo("invalid token: wrong audience");
            assertThat(refusal(node, made.token("issuer"))).isEqualTo("invalid token: wrong issuer");
            assertThat(refusal(node, made.token("forever"))).isEqualTo("invalid token: no expiry");
            assertThat(refusal(node, made.token("none"))).isEqualTo("invalid token: algorithm not allowed");
            assertThat(refusal(node, other.token("forged"))).isEqualTo("invalid token: bad signature");
            assertThat(refusal(node, other.token("unknownKid"))).isEqualTo("invalid token: unknown key");
            assertThat(refusal(node, "not.a.token")).isEqualTo("invalid token: malformed");
            assertThat(Http.get(node.port(), "/metrics").body())
                    .contains("switchboard_upgrades_refused_total{reason=\"token\"} 10.0");
            bystander.send("{\"type\":\"ping\"}");
            assertThat(bystander.next()).isEqualTo("{\"type\":\"pong\"}");
        }
    }

    @Test
    void eachDialectCanHaveItsOwnMode() throws Exception {
        try (Switchboard node = TestNodes.start(config("required,radix=off,rendezvous=optional").build())) {
            try (RawUpgrade radix = upgrade(node, RADIX + "?target=wallet&source=extension")) {
                assertThat(radix.statusLine()).as("radix is off").contains(" 101 ");
            }
            try (RawUpgrade rendezvous = upgrade(node, "/room/lobby/websocket")) {
                assertThat(rendezvous.statusLine()).as("rendezvous without a token").contains(" 101 ");
            }
            try (RawUpgrade rendezvous = upgrade(node, "/room/lobby/websocket?token=" + made.token("expired"))) {
                assertThat(rendezvous.statusLine()).as("rendezvous with a bad token").contains(" 401 ");
            }
            try (RawUpgrade shared = upgrade(node, "/")) {
                assertThat(shared.statusLine()).as("the shared paths").contains(" 401 ");
            }
        }
        try (Switchboard node = TestNodes.start(config("off,named-peer=required").build());
             RawUpgrade shared = upgrade(node, "/")) {
            assertThat(shared.statusLine()).as("y-webrtc or named-peer: the stricter counts").contains(" 401 ");
        }
    }

    @Test
    void aConnectionIsClosedWhenItsTokenExpiresUnlessConfiguredOtherwise() throws Exception {
        try (Switchboard closing = TestNodes.start(config("required").authClockSkew(Duration.ZERO).build());
             Switchboard keeping = TestNodes.start(config("required").authClockSkew(Duration.ZERO)
                     .authCloseOnExpiry(false).build());
             WsClient closed = connectBeforeExpiry(closing);
             WsClient kept = connectBeforeExpiry(keeping)) {
            WsClient.CloseStatus status = closed.awaitClose(Duration.ofSeconds(60));
            assertThat(status).isEqualTo(new WsClient.CloseStatus(1008, "token expired"));
            kept.send("{\"type\":\"ping\"}");
            assertThat(kept.next()).isEqualTo("{\"type\":\"pong\"}");
            assertThat(kept.isOpen()).isTrue();
        }
    }

    /**
     * A connection with a token that expires a few seconds from now. On a starved machine the handshake can take
     * longer than the token lives and is refused: then again with a token that lives three times as long.
     */
    private static WsClient connectBeforeExpiry(Switchboard node) throws IOException {
        for (long life = 3; ; life *= 3) {
            try {
                return WsClient.connect(node.port(), "/?token=" + soon(life));
            } catch (IllegalStateException refused) {
                if (life >= 27) {
                    throw refused;
                }
            }
        }
    }

    /** A token that expires {@code seconds} from now, with the HMAC secret (signed now: it would not wait). */
    private static String soon(long seconds) throws IOException {
        return new Tokens().secret(SECRET).token("soon", "HS256", null, claims("sub", "soon", "iss",
                "https://issuer.example", "aud", "switchboard", "exp", Tokens.in(seconds))).make().token("soon");
    }

    @Test
    void keysRotateWhenTheJwkSetFileChangesWhileConnectionsStayOpen(@TempDir Path own) throws Exception {
        Path jwks = own.resolve("jwks.json");
        Files.writeString(jwks, made.jwks());
        try (Switchboard node = TestNodes.start(TestNodes.config().auth("required").authJwks(jwks.toString()).build());
             WsClient before = WsClient.connect(node.port(), "/?token=" + made.token("ES256"))) {
            Files.writeString(jwks, other.jwks());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (RawUpgrade u = upgrade(node, HandshakeEcho.PATH + "?token=" + other.token("forged"))) {
                    assertThat(u.statusLine()).contains(" 101 ");
                }
            });
            assertThat(refusal(node, made.token("ES256"))).isEqualTo("invalid token: bad signature");
            before.send("{\"type\":\"ping\"}");
            assertThat(before.next()).as("a connection made with the old key stays").isEqualTo("{\"type\":\"pong\"}");
            // a file that does not parse leaves the keys as they were
            Files.writeString(jwks, "{\"keys\": [");
            Thread.sleep(2500); // two reload checks (once a second); nothing observable happens, by design
            try (RawUpgrade u = upgrade(node, HandshakeEcho.PATH + "?token=" + other.token("forged"))) {
                assertThat(u.statusLine()).contains(" 101 ");
            }
        }
    }
}
