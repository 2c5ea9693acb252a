package dev.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /health, /ready and /metrics over real HTTP. */
class OpsEndpointsTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.config().nodeId("node-a").build());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void healthHasTheSeedKeysFirstAndCountsClients() throws Exception {
        try (WsClient a = WsClient.connect(node.port(), "/"); WsClient b = WsClient.connect(node.port(), "/")) {
            a.send("{\"type\":\"subscribe\",\"topics\":[\"r\"]}");
            a.send("{\"type\":\"ping\"}");
            a.next();
            b.send("{\"type\":\"ping\"}"); // the first frame tells y-webrtc from named-peer
            b.next();
            HttpResponse<String> r = Http.get(node.port(), "/health");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode h = mapper.readTree(r.body());
            assertThat(h.fieldNames()).toIterable().startsWith("status", "clientCount", "uptime", "timestamp");
            assertThat(h.get("status").asText()).isEqualTo("healthy");
            // the project's version, from the build: the same as --version says
            assertThat(h.get("version").asText()).isEqualTo(Switchboard.VERSION).matches("\\d+\\.\\d+\\.\\d+.*");
            assertThat(h.get("clientCount").asInt()).isEqualTo(2);
            assertThat(h.get("uptime").isNumber()).isTrue();
            assertThat(Instant.parse(h.get("timestamp").asText())).isNotNull();
            assertThat(h.get("nodeId").asText()).isEqualTo("node-a");
            assertThat(h.get("clients").get("y-webrtc").asInt()).isEqualTo(2);
            assertThat(h.get("rooms").asInt()).isEqualTo(1);
            assertThat(h.get("cluster").get("bus").asText()).isEqualTo("memory");
        }
    }

    @Test
    void readyIs200WhileServing() throws Exception {
        HttpResponse<String> r = Http.get(node.port(), "/ready");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(mapper.readTree(r.body()).get("ready").asBoolean()).isTrue();
    }

    @Test
    void metricsExposeConnectionsMessagesBytesLatencyAndCloses() {
        try (WsClient a = WsClient.connect(node.port(), "/")) {
            a.send("{\"type\":\"subscribe\",\"topics\":[\"r\"]}");
            a.send("{\"type\":\"publish\",\"topic\":\"r\"}");
            a.next();
        }
        HttpResponse<String> r = Http.get(node.port(), "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(r.body()).contains(
                "switchboard_connections{dialect=\"y-webrtc\"}",
                "switchboard_messages_received_total{dialect=\"y-webrtc\"} 2.0",
                "switchboard_messages_sent_total{dialect=\"y-webrtc\"} 1.0",
                "switchboard_payload_received_bytes_total{dialect=\"y-webrtc\"}",
                "switchboard_payload_sent_bytes_total{dialect=\"y-webrtc\"}",
                "switchboard_relay_latency_seconds_bucket",
                "switchboard_rooms",
                "jvm_memory_used_bytes");
    }
}
