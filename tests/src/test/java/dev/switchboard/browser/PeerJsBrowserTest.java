package dev.switchboard.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import org.junit.jupiter.api.Test;

/**
 * The real {@code peerjs} client (npm peerjs 1.5.5, unchanged) in two headless Chromium processes
 * (loopback-only network namespace): the caller opens a data connection and a video call (Chromium's fake
 * camera) to the answerer, signaling through one node, and through two nodes that share a real Redis. See
 * src/test/browser/pages/peerjs.js.
 */
class PeerJsBrowserTest {

    @Test
    void aDataConnectionAndAVideoCallThroughOneNode() {
        try (Switchboard node = TestNodes.start()) {
            check(run(node.port(), node.port()));
            assertThat(node.metrics().scrape()).containsPattern(
                    "switchboard_messages_received_total\\{dialect=\"peerjs\"\\} [1-9]");
        }
    }

    @Test
    void aDataConnectionAndAVideoCallAcrossTwoNodes() {
        try (RedisServer redis = RedisServer.start();
             Switchboard n1 = TestNodes.start(TestNodes.config().nodeId("n1").redisUri(redis.uri()).build());
             Switchboard n2 = TestNodes.start(TestNodes.config().nodeId("n2").redisUri(redis.uri()).build())) {
            check(run(n1.port(), n2.port()));
            // each browser's signaling went through its own node
            for (Switchboard n : new Switchboard[] {n1, n2}) {
                assertThat(n.metrics().scrape()).containsPattern(
                        "switchboard_messages_received_total\\{dialect=\"peerjs\"\\} [1-9]");
            }
        }
    }

    private static NodeScript.Result run(int answererPort, int callerPort) {
        if (answererPort == callerPort) {
            return NodeScript.run("src/test/browser", "run.mjs", 360, "peerjs", "--port", Integer.toString(answererPort));
        }
        return NodeScript.run("src/test/browser", "run.mjs", 360, "peerjs", "--port", Integer.toString(answererPort),
                "--port2", Integer.toString(callerPort));
    }

    private static void check(NodeScript.Result r) {
        JsonNode json = BrowserRun.succeeded(r);
        for (String side : new String[] {"A", "B"}) {
            JsonNode state = json.get("state" + side);
            JsonNode stats = json.get("stats" + side);
            assertThat(state.get("errors")).as(side + " " + r.describe()).isEmpty();
            assertThat(state.get("open").asText()).as(side).isNotEmpty();
            assertThat(state.get("received").get(0).asText()).as(side).startsWith("hello from ");
            assertThat(state.get("remoteVideoTracks").asInt()).as(side).isPositive();
            BrowserRun.assertLoopbackPair(stats.get("data"), side + " data");
            BrowserRun.assertLoopbackPair(stats.get("media"), side + " media");
            assertThat(stats.get("data").get("channelBytes").asLong()).as(side).isPositive();
            assertThat(stats.get("media").get("framesDecoded").asLong()).as(side + ": video frames decoded").isPositive();
        }
    }
}
