package dev.switchboard.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The node's /demo page, as a person would use it in two tabs: two headless Chromium processes (loopback-only
 * network namespace) load it from the node, pick a dialect and a room, press Connect, and make a WebRTC data
 * channel (and a call with Chromium's fake camera) to each other with signaling through the node. The page's
 * scripts come from the node alone: no request leaves its origin. See src/test/browser/scenarios/demo.mjs.
 */
class DemoBrowserTest {
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private JsonNode run(String dialect, boolean camera) {
        NodeScript.Result r = NodeScript.run("src/test/browser", "run.mjs", 360, "demo", "--dialect", dialect,
                "--camera", camera ? "1" : "0", "--port", Integer.toString(node.port()));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        JsonNode json = r.json();
        assertThat(json.get("ok").asBoolean()).as(r.describe()).isTrue();
        assertThat(json.get("foreign")).as("requests outside the node").isEmpty();
        for (JsonNode state : json.get("states")) {
            assertThat(state.get("errors")).as(r.describe()).isEmpty();
            assertThat(state.get("channelOpen").asBoolean()).isTrue();
            assertThat(state.get("received").get(0).asText()).isIn("hello from the other tab", "hello back");
            // the live signaling log shows the messages that went through the node
            assertThat(state.get("logLines").asInt()).isGreaterThan(3);
        }
        return json;
    }

    @ParameterizedTest
    @ValueSource(strings = {"y-webrtc", "named-peer", "rendezvous", "radix"})
    void twoTabsOpenADataChannelThroughTheNode(String dialect) {
        run(dialect, false);
        assertThat(node.metrics().dialect(dialect).negotiations().completed()).isPositive();
    }

    @Test
    void twoTabsMakeACameraCall() {
        JsonNode json = run("named-peer", true);
        for (JsonNode state : json.get("states")) {
            assertThat(state.get("remoteVideo").asBoolean()).isTrue();
        }
    }
}
