package dev.switchboard.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.bus.ClusterView;
import dev.switchboard.metrics.DialectMeters;
import dev.switchboard.metrics.Metrics;
import dev.switchboard.metrics.Negotiations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The data behind {@code /dashboard} (docs/design/telemetry.md#the-dashboard): this node's connections,
 * messages, latency, closes and negotiations per dialect, and every node of the cluster with the summary it
 * published. The page polls it; rates are the page's differences of these totals.
 */
final class Dashboard {
    private final NodeStatus status;
    private final Metrics metrics;
    /** The cluster's nodes, or null on a bus that knows only this node. */
    private final ClusterView cluster;
    private final Executor executor;
    private final ObjectMapper mapper = new ObjectMapper();

    Dashboard(NodeStatus status, Metrics metrics, ClusterView cluster, Executor executor) {
        this.status = status;
        this.metrics = metrics;
        this.cluster = cluster;
        this.executor = executor;
        if (cluster != null) {
            cluster.report(() -> json(summary()));
        }
    }

    /** The whole document, built off the event loop (the cluster's part is a Redis round trip). */
    CompletionStage<byte[]> data() {
        CompletionStage<List<Map<String, Object>>> nodes = cluster == null
                ? CompletableFuture.completedFuture(List.of(self(0)))
                : cluster.nodes().thenApply(this::nodes);
        return nodes.thenApplyAsync(list -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("nodeId", status.nodeId());
            d.put("version", status.version());
            d.put("nodes", list);
            d.put("dialects", dialects());
            Metrics.Latency relay = metrics.relayLatency();
            d.put("relay", Map.of("count", relay.count(), "meanMillis", round(relay.meanMillis()),
                    "maxMillis", round(relay.maxMillis())));
            d.put("cluster", Map.of("bus", status.bus().kind(), "connected", status.bus().connected(),
                    "hopMillis", round(status.bus().hopMillis())));
            d.put("closes", metrics.closesByReason());
            return json(d).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }, executor);
    }

    private List<Map<String, Object>> nodes(List<ClusterView.NodeSeen> seen) {
        List<Map<String, Object>> out = new ArrayList<>();
        boolean selfListed = false;
        for (ClusterView.NodeSeen node : seen) {
            if (node.nodeId().equals(status.nodeId())) {
                out.add(self(node.sinceBeatMillis())); // this node's own numbers are fresher than its last beat
                selfListed = true;
                continue;
            }
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("nodeId", node.nodeId());
            n.put("self", false);
            n.put("sinceBeatMillis", node.sinceBeatMillis());
            n.put("summary", node.summary() == null ? null : tree(node.summary()));
            out.add(n);
        }
        if (!selfListed) {
            out.add(0, self(-1)); // cut off from the cluster: at least this node
        }
        return out;
    }

    private Map<String, Object> self(long sinceBeatMillis) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("nodeId", status.nodeId());
        n.put("self", true);
        n.put("sinceBeatMillis", sinceBeatMillis);
        n.put("summary", summary());
        return n;
    }

    /** What a node tells the others about itself (and shows of itself). */
    private Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("status", status.draining() ? "draining" : status.bus().connected() ? "healthy" : "cut off");
        s.put("version", status.version());
        s.put("uptime", Math.round(status.uptimeSeconds()));
        s.put("clients", status.clientCount());
        s.put("clientsByDialect", status.clientsByDialect());
        s.put("rooms", status.roomCount());
        long in = 0;
        long out = 0;
        for (DialectMeters m : metrics.dialects().values()) {
            in += m.messagesReceived();
            out += m.messagesSent();
        }
        s.put("received", in);
        s.put("sent", out);
        return s;
    }

    private Map<String, Object> dialects() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Integer> rooms = status.roomsByDialect();
        metrics.dialects().forEach((name, m) -> {
            Negotiations n = m.negotiations();
            Map<String, Object> negotiations = new LinkedHashMap<>();
            negotiations.put("started", n.started());
            negotiations.put("completed", n.completed());
            negotiations.put("abandoned", n.abandoned());
            negotiations.put("glare", n.glare());
            negotiations.put("open", n.open());
            negotiations.put("answerMillis", round(n.meanAnswerMillis()));
            negotiations.put("lastCandidateMillis", round(n.meanLastCandidateMillis()));
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("connections", m.open());
            d.put("rooms", rooms.getOrDefault(name, 0));
            d.put("received", m.messagesReceived());
            d.put("sent", m.messagesSent());
            d.put("negotiations", negotiations);
            out.put(name, d);
        });
        return out;
    }

    private static double round(double millis) {
        return Math.round(millis * 1000) / 1000.0;
    }

    private JsonNode tree(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            return null; // another node's summary that does not parse is shown as none
        }
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
