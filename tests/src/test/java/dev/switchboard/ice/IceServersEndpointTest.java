package dev.switchboard.ice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.support.Tokens;
import dev.switchboard.testkit.LoopbackPorts;
import dev.switchboard.testkit.TestNodes;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /ice-servers against a real coturn (Debian's package, use-auth-secret): the credentials a node hands out
 * are accepted by it; forged and expired ones are refused. The TURN client is coturn's turnutils_uclient.
 */
class IceServersEndpointTest {
    private static final String TURN_SECRET = "the static-auth-secret coturn and the node share";
    private static final String TOKEN_SECRET = Tokens.HMAC_SECRET;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    private static Process turn;
    private static int turnPort;
    private static String token;

    @BeforeAll
    static void startTurn() throws Exception {
        token = new Tokens().secret(TOKEN_SECRET).token("t", "HS256", null,
                Map.of("sub", "carol", "exp", Tokens.in(3600))).make().token("t");
        Files.writeString(dir.resolve("turn-secret"), TURN_SECRET + "\n");
        Files.writeString(dir.resolve("token-secret"), TOKEN_SECRET);
        for (int attempt = 1; turn == null; attempt++) {
            int port = LoopbackPorts.candidate();
            Process p = new ProcessBuilder("turnserver", "-n", "--listening-ip", "127.0.0.1", "--listening-port",
                    Integer.toString(port), "--relay-ip", "127.0.0.1", "--allow-loopback-peers", "--no-cli",
                    "--no-tls", "--no-dtls", "--use-auth-secret", "--static-auth-secret", TURN_SECRET,
                    "--realm", "switchboard.test", "--log-file", "stdout", "--simple-log")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("turn-" + attempt + ".log").toFile()).start();
            if (listening(p, port)) {
                turn = p;
                turnPort = port;
            } else {
                p.destroyForcibly(); // its port was taken between the check and the bind: another one
                if (attempt == LoopbackPorts.ATTEMPTS) {
                    throw new IllegalStateException("turnserver could not listen; see " + dir);
                }
            }
        }
    }

    /** Whether the TURN server accepts TCP connections on {@code port}, waiting while it starts. */
    private static boolean listening(Process p, int port) throws InterruptedException {
        for (int i = 0; i < 200 && p.isAlive(); i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    @AfterAll
    static void stopTurn() throws InterruptedException {
        if (turn != null) {
            turn.destroy(); // by its own PID
            if (!turn.waitFor(10, TimeUnit.SECONDS)) {
                turn.destroyForcibly();
            }
        }
    }

    private static Switchboard node(Duration ttl) {
        return TestNodes.start(TestNodes.config()
                .iceServers("stun:127.0.0.1:" + turnPort + ",turn:127.0.0.1:" + turnPort + "?transport=tcp")
                .turnSecretFile(dir.resolve("turn-secret").toString()).turnCredentialTtl(ttl)
                .auth("required").authHmacSecretFile(dir.resolve("token-secret").toString())
                .allowedOrigins("https://app.example.com").build());
    }

    private static HttpResponse<String> get(Switchboard node, String query, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/ice-servers" + query));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Allocates a relay on the TURN server with {@code username}/{@code password}: coturn's own client. No
     * messages are sent through it ({@code -n 0}): the credentials decide the allocation, and with messages and
     * no peer to echo them the client waited 15 s for them.
     */
    private static TurnResult allocate(String username, String password) throws Exception {
        File log = dir.resolve("uclient-" + System.nanoTime() + ".log").toFile();
        Process p = new ProcessBuilder("turnutils_uclient", "-t", "-u", username, "-w", password, "-p",
                Integer.toString(turnPort), "-n", "0", "-m", "1", "-e", "127.0.0.1", "-r", Integer.toString(turnPort + 1),
                "127.0.0.1").redirectErrorStream(true).redirectOutput(log).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new TurnResult(p.exitValue(), Files.readString(log.toPath()));
    }

    private record TurnResult(int exitCode, String output) {
        boolean allocated() {
            return exitCode == 0 && !output.contains("Cannot complete Allocation");
        }
    }

    @Test
    void anAdmittedClientGetsTurnCredentialsTheTurnServerAccepts() throws Exception {
        try (Switchboard node = node(Duration.ofHours(1))) {
            HttpResponse<String> refused = get(node, "");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).isEqualTo("token required");

            HttpResponse<String> ok = get(node, "?token=" + token, "Origin", "https://app.example.com");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ok.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.com");
            assertThat(ok.headers().firstValue("cache-control")).hasValue("no-store");
            JsonNode body = JSON.readTree(ok.body());
            assertThat(body.get("ttl").asLong()).isEqualTo(3600);
            JsonNode servers = body.get("iceServers");
            assertThat(servers.get(0).get("urls").get(0).asText()).isEqualTo("stun:127.0.0.1:" + turnPort);
            JsonNode turnEntry = servers.get(1);
            String username = turnEntry.get("username").asText();
            assertThat(username).endsWith(":carol");
            long expiry = Long.parseLong(username.substring(0, username.indexOf(':')));
            assertThat(expiry).isBetween(Tokens.in(3500), Tokens.in(3700));

            assertThat(allocate(username, turnEntry.get("credential").asText()).allocated())
                    .as("the TURN server accepts the handed-out credentials").isTrue();
            TurnResult forged = allocate(username, "Zm9yZ2Vk" + turnEntry.get("credential").asText().substring(8));
            assertThat(forged.allocated()).as("a forged password").isFalse();
            TurnResult otherUser = allocate(expiry + ":mallory", turnEntry.get("credential").asText());
            assertThat(otherUser.allocated()).as("the password of another username").isFalse();

            HttpResponse<String> header = get(node, "", "Authorization", "Bearer " + token);
            assertThat(header.statusCode()).isEqualTo(200);
            HttpResponse<String> otherOrigin = get(node, "?token=" + token, "Origin", "https://evil.example");
            assertThat(otherOrigin.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void expiredCredentialsAreRefusedByTheTurnServer() throws Exception {
        try (Switchboard node = node(Duration.ofSeconds(1))) {
            JsonNode turnEntry = JSON.readTree(get(node, "?token=" + token).body()).get("iceServers").get(1);
            String username = turnEntry.get("username").asText();
            long expiry = Long.parseLong(username.substring(0, username.indexOf(':')));
            while (System.currentTimeMillis() / 1000 <= expiry + 1) {
                Thread.sleep(200); // until the credentials' own expiry has passed
            }
            assertThat(allocate(username, turnEntry.get("credential").asText()).allocated()).isFalse();
        }
    }

    @Test
    void aPreflightFromAnAllowedOriginMayAskForTheAuthorizationHeader() throws Exception {
        try (Switchboard node = node(Duration.ofHours(1))) {
            HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + node.port() + "/ice-servers")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example.com")
                    .header("Access-Control-Request-Method", "GET").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().firstValue("access-control-allow-headers")).hasValue("Authorization");
            assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.com");
        }
    }

    /** Where a dialect's protocol leaves room, its first answer carries the same list, as an extra member. */
    @Test
    void theRendezvousWelcomeAndTheNamedPeerLoginCarryTheList() throws Exception {
        try (Switchboard node = node(Duration.ofHours(1));
             dev.switchboard.testkit.WsClient named = dev.switchboard.testkit.WsClient.connect(node.port(), "/?token=" + token);
             dev.switchboard.testkit.WsClient rendezvous = dev.switchboard.testkit.WsClient.connect(node.port(),
                     "/room/lobby/websocket?token=" + token)) {
            named.send("{\"type\":\"login\",\"name\":\"alice\"}");
            JsonNode login = JSON.readTree(named.next());
            assertThat(login.get("type").asText()).isEqualTo("login_success");
            assertThat(login.get("iceServers").get(1).get("username").asText()).as("issued to the login name")
                    .endsWith(":alice");

            rendezvous.next(); // the challenge
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
            generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            var key = (java.security.interfaces.ECPublicKey) generator.generateKeyPair().getPublic();
            rendezvous.send("{\"type\":\"register\",\"publicKey\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
                    + coordinate(key.getW().getAffineX()) + "\",\"y\":\"" + coordinate(key.getW().getAffineY()) + "\"}}");
            JsonNode welcome = JSON.readTree(rendezvous.next());
            assertThat(welcome.get("type").asText()).as(welcome.toString()).isEqualTo("welcome");
            JsonNode turnEntry = welcome.get("iceServers").get(1);
            assertThat(turnEntry.get("username").asText()).as("issued to the token's subject").endsWith(":carol");
            assertThat(allocate(turnEntry.get("username").asText(), turnEntry.get("credential").asText()).allocated())
                    .isTrue();
        }
    }

    /** A P-256 coordinate as a JWK writes it: 32 bytes, base64url. */
    private static String coordinate(java.math.BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] fixed = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, fixed, 32 - n, n);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(fixed);
    }
}
