package dev.switchboard.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real client: the y-webrtc npm package in headless Chromium, two pages in two separate browser
 * processes (BroadcastChannel taken away), syncing a Y.Doc through Switchboard over a real
 * RTCPeerConnection on loopback — with and without a room password. See src/test/browser/.
 */
class YWebrtcBrowserTest {
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.config().host("127.0.0.1").build());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @ParameterizedTest(name = "password: {0}")
    @ValueSource(strings = {"", "s3cret room key"})
    void twoBrowsersSyncAYDocOverWebRtc(String password) {
        NodeScript.Result r = password.isEmpty()
                ? NodeScript.run("src/test/browser", "run.mjs", 360, "ywebrtc", "--port", Integer.toString(node.port()))
                : NodeScript.run("src/test/browser", "run.mjs", 360, "ywebrtc", "--port", Integer.toString(node.port()),
                        "--password", password);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        JsonNode json = r.json();
        assertThat(json.get("ok").asBoolean()).as(r.describe()).isTrue();
        assertThat(json.get("password").asBoolean()).isEqualTo(!password.isEmpty());
        assertThat(json.get("text").asText()).isEqualTo("hello from A / hello from B");
        for (String side : new String[] {"statsA", "statsB"}) {
            JsonNode stats = json.get(side);
            assertThat(stats.get("pairState").asText()).as(side).isEqualTo("succeeded");
            assertThat(stats.get("local").asText()).as(side).isEqualTo("127.0.0.1");
            assertThat(stats.get("remote").asText()).as(side).isEqualTo("127.0.0.1");
            assertThat(stats.get("channelBytes").asLong()).as(side).isPositive();
        }
        // the signaling went through this node
        assertThat(node.metrics().scrape()).containsPattern("switchboard_messages_received_total\\{dialect=\"y-webrtc\"\\} [1-9]");
    }

    /**
     * A node that requires a token and an allowed origin: the real client syncs with its token in the signaling
     * URL from the allowed origin; the same page from another origin cannot open the socket.
     */
    @org.junit.jupiter.api.Test
    void theRealClientSyncsWithATokenFromAnAllowedOriginAndIsRefusedFromAnother(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String secret = dev.switchboard.support.Tokens.HMAC_SECRET;
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("secret"), secret);
        String token = new dev.switchboard.support.Tokens().secret(secret).token("t", "HS256", null,
                java.util.Map.of("sub", "browser", "exp", dev.switchboard.support.Tokens.in(3600),
                        "switchboard", java.util.Map.of("rooms", java.util.List.of("switchboard-e2e-*")))).make().token("t");
        // the pages run in their own network namespace, so any fixed port is free there
        try (Switchboard guarded = TestNodes.start(TestNodes.config().host("127.0.0.1").auth("required")
                .authHmacSecretFile(file.toString()).allowedOrigins("http://127.0.0.1:18123").build())) {
            String port = Integer.toString(guarded.port());
            NodeScript.Result synced = NodeScript.run("src/test/browser", "run.mjs", 360, "ywebrtc", "--port", port,
                    "--page-port", "18123", "--signal-query", "?token=" + token);
            assertThat(synced.exitCode()).as(synced.describe()).isZero();
            assertThat(synced.json().get("text").asText()).isEqualTo("hello from A / hello from B");

            NodeScript.Result refused = NodeScript.run("src/test/browser", "run.mjs", 360, "ywebrtc", "--port", port,
                    "--page-port", "18124", "--signal-query", "?token=" + token, "--expect-refused", "1");
            assertThat(refused.exitCode()).as(refused.describe()).isZero();
            assertThat(refused.json().get("refused").asBoolean()).as(refused.describe()).isTrue();
            assertThat(guarded.metrics().scrape())
                    .contains("switchboard_upgrades_refused_total{reason=\"origin\"} 1.0");
        }
    }
}
