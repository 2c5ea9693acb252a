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
 * Real WebRTC through each room dialect: two headless Chromium processes (loopback-only network namespace)
 * use the dialect's own messages — named-peer login and relay, Rendezvous with a WebCrypto key and signed
 * challenge, Radix Connect with AES-GCM-sealed payloads — to open an RTCPeerConnection data channel to each
 * other and exchange a message. See src/test/browser/pages/dialects.js.
 */
class DialectWebRtcBrowserTest {
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"named-peer", "rendezvous", "radix"})
    void twoBrowsersOpenADataChannelThroughTheDialect(String dialect) {
        check(dialect, NodeScript.run("src/test/browser", "run.mjs", 360, "dialect-webrtc",
                "--dialect", dialect, "--port", Integer.toString(node.port())));
    }

    /**
     * The page that is to offer arrives first, as it may when the other page's WebCrypto is slow: each side
     * still knows which one offers (both offering, each got an answer it could not take: a flake once).
     */
    @ParameterizedTest
    @ValueSource(strings = {"named-peer", "rendezvous", "radix"})
    void theOfferingPageMayArriveFirst(String dialect) {
        check(dialect, NodeScript.run("src/test/browser", "run.mjs", 360, "dialect-webrtc",
                "--dialect", dialect, "--port", Integer.toString(node.port()), "--order", "second-first"));
    }

    private void check(String dialect, NodeScript.Result r) {
        JsonNode json = BrowserRun.succeeded(r);
        for (String side : new String[] {"A", "B"}) {
            JsonNode state = json.get("state" + side);
            JsonNode stats = json.get("stats" + side);
            assertThat(state.get("errors")).as(side).isEmpty();
            assertThat(state.get("received").get(0).asText()).as(side).startsWith("hello from ");
            BrowserRun.assertLoopbackPair(stats, side);
            assertThat(stats.get("channelBytes").asLong()).as(side).isPositive();
            if (dialect.equals("rendezvous")) {
                // WebCrypto's key, signature and the page's own peer ID computation agree with the server
                assertThat(state.get("peerId").asText()).isEqualTo(state.get("expectedPeerId").asText());
                assertThat(state.get("verifiedPeer").asBoolean()).isTrue();
            }
            if (dialect.equals("radix")) {
                assertThat(state.get("confirmations").asInt()).as(side).isPositive();
            }
        }
        assertThat(node.metrics().scrape()).containsPattern(
                "switchboard_messages_received_total\\{dialect=\"" + dialect + "\"\\} [1-9]");
    }
}
