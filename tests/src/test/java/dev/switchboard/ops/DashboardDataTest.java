package dev.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * /dashboard and /dashboard.json over real HTTP: where they are served (the /metrics exposure policy,
 * SECURITY.md), where /demo is, and every node of a Redis cluster listed with what it published.
 */
class DashboardDataTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void withAnOpsPortTheDashboardIsThereAndTheDemoOnThePublicPort() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().opsPort(0).build())) {
            HttpResponse<String> page = Http.get(node.opsPort(), "/dashboard");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
            assertThat(page.body()).contains("<title>Switchboard dashboard</title>").doesNotContain("https://");
            HttpResponse<String> data = Http.get(node.opsPort(), "/dashboard.json");
            assertThat(data.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(mapper.readTree(data.body()).get("nodeId").asText()).isEqualTo(node.nodeId());
            // operational data stays off the public port, as /metrics does
            assertThat(Http.get(node.port(), "/dashboard").body()).isEqualTo("okay");
            assertThat(Http.get(node.port(), "/dashboard.json").body()).isEqualTo("okay");
            // the demo talks to the WebSocket port: it is there, and not on the ops port
            assertThat(Http.get(node.port(), "/demo").body()).contains("<title>Switchboard demo</title>");
            assertThat(Http.get(node.port(), "/demo.js").headers().firstValue("content-type").orElse(""))
                    .startsWith("text/javascript");
            assertThat(Http.get(node.opsPort(), "/demo").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void withoutAnOpsPortTheDashboardIsOnThePublicPort() throws Exception {
        try (Switchboard node = TestNodes.start(); WsClient c = WsClient.connect(node.port(), "/")) {
            c.send("{\"type\":\"subscribe\",\"topics\":[\"r\"]}").send("{\"type\":\"ping\"}");
            c.next();
            JsonNode d = mapper.readTree(Http.get(node.port(), "/dashboard.json").body());
            assertThat(d.get("nodes")).hasSize(1);
            assertThat(d.get("nodes").get(0).get("self").asBoolean()).isTrue();
            assertThat(d.get("dialects").get("y-webrtc").get("connections").asInt()).isEqualTo(1);
            assertThat(d.get("dialects").get("y-webrtc").get("rooms").asInt()).isEqualTo(1);
            assertThat(d.get("dialects").get("y-webrtc").get("negotiations").get("started").asInt()).isZero();
            assertThat(d.get("cluster").get("bus").asText()).isEqualTo("memory");
        }
    }

    @Test
    void inARedisClusterEveryNodeIsListedWithWhatItPublished() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Switchboard a = TestNodes.start(TestNodes.config().nodeId("node-a").redisUri(redis.uri())
                     .heartbeatInterval(Duration.ofMillis(200)).build());
             Switchboard b = TestNodes.start(TestNodes.config().nodeId("node-b").redisUri(redis.uri())
                     .heartbeatInterval(Duration.ofMillis(200)).build());
             WsClient c = WsClient.connect(b.port(), "/")) {
            c.send("{\"type\":\"ping\"}");
            c.next();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode nodes = mapper.readTree(Http.get(a.port(), "/dashboard.json").body()).get("nodes");
                assertThat(nodes).hasSize(2);
                assertThat(nodes.get(0).get("nodeId").asText()).isEqualTo("node-a");
                assertThat(nodes.get(0).get("self").asBoolean()).isTrue();
                JsonNode other = nodes.get(1);
                assertThat(other.get("nodeId").asText()).isEqualTo("node-b");
                assertThat(other.get("self").asBoolean()).isFalse();
                assertThat(other.get("sinceBeatMillis").asLong()).isNotNegative();
                // null until b's first beat after its start carries a summary
                assertThat(other.path("summary").path("status").asText()).isEqualTo("healthy");
                assertThat(other.path("summary").path("clients").asInt()).isEqualTo(1); // b's client, as b reported it
            });
            b.close(); // a node that leaves is no longer listed
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    mapper.readTree(Http.get(a.port(), "/dashboard.json").body()).get("nodes")).hasSize(1));
            assertThat(redis.command("HKEYS", "switchboard:{nodes}:summary")).doesNotContain("node-b");
        }
    }
}
