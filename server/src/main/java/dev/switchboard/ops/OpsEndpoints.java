package dev.switchboard.ops;

import dev.switchboard.metrics.Metrics;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.bus.BusStatus;
import dev.switchboard.core.bus.ClusterView;
import dev.switchboard.transport.HttpResponder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The plain HTTP side of a node: {@code /health} (liveness, with a JSON status), {@code /ready} (503 while
 * draining or cut off from the cluster), {@code /metrics} (Prometheus text, rendered off the event loop), and
 * {@code /dashboard} (a live page over {@code /dashboard.json}), {@code /demo} (two tabs make a WebRTC call
 * through the node), and for any other path the y-webrtc server's {@code okay}. With an ops port,
 * {@link #publicPort} and {@link #opsPort} split them between the two ports: operational data (metrics, the
 * dashboard) only on the ops port; the demo, which talks to the WebSocket port, only on the public one.
 */
public final class OpsEndpoints implements HttpResponder {
    private static final String JSON = "application/json";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    private static final Reply OKAY_REPLY = new Reply(200, "text/plain", "okay".getBytes(StandardCharsets.US_ASCII));

    private final NodeStatus status;
    private final Metrics metrics;
    private final Executor scrapeExecutor;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Dashboard dashboard;
    private final Reply dashboardPage = page("dashboard.html", HTML);
    private final Reply demoPage = page("demo.html", HTML);
    private final Reply demoScript = page("demo.js", "text/javascript; charset=utf-8");

    /**
     * @param cluster what the bus knows of the other nodes, for the dashboard; null when it knows only this node
     */
    public OpsEndpoints(NodeStatus status, Metrics metrics, ClusterView cluster, Executor scrapeExecutor) {
        this.status = status;
        this.metrics = metrics;
        this.scrapeExecutor = scrapeExecutor;
        this.dashboard = new Dashboard(status, metrics, cluster, scrapeExecutor);
    }

    /** A page served from the jar (no CDN: everything the pages use is in these files). */
    private static Reply page(String name, String contentType) {
        try (java.io.InputStream in = OpsEndpoints.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new Reply(200, contentType, in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public CompletionStage<Reply> respond(String method, String path) {
        return switch (path) {
            case "/health" -> done(new Reply(200, JSON, json(health())));
            case "/ready" -> done(ready());
            case "/metrics" -> CompletableFuture.supplyAsync(
                    () -> new Reply(200, PROMETHEUS, metrics.scrape().getBytes(StandardCharsets.UTF_8)), scrapeExecutor);
            case "/dashboard", "/dashboard/" -> done(dashboardPage);
            case "/dashboard.json" -> dashboard.data().thenApply(body -> new Reply(200, JSON, body));
            case "/demo", "/demo/" -> done(demoPage);
            case "/demo.js" -> done(demoScript);
            default -> done(OKAY_REPLY);
        };
    }

    /** Operational data: on the ops port when there is one (SECURITY.md). */
    private static boolean operational(String path) {
        return switch (path) {
            case "/metrics", "/dashboard", "/dashboard/", "/dashboard.json" -> true;
            default -> false;
        };
    }

    /**
     * What the public port answers when an ops port serves /metrics ({@code --ops-port}): the same, but
     * {@code /metrics} is any other path. /health and /ready stay, as load balancers probe them there.
     */
    public HttpResponder publicPort() {
        return (method, path) -> operational(path) ? done(OKAY_REPLY) : respond(method, path);
    }

    /**
     * What the ops port answers: /health, /ready, /metrics and the dashboard; 404 elsewhere, as it is no
     * y-webrtc server (and no demo: that talks to the public port).
     */
    public HttpResponder opsPort() {
        return (method, path) -> operational(path) || path.equals("/health") || path.equals("/ready")
                ? respond(method, path)
                : done(new Reply(404, TEXT, "not found".getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * The health document: the four keys of the named-peer original's health answer first, then the node's
     * detail (docs/protocols/named-peer.md#differences-from-upstream).
     */
    public Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", status.draining() ? "draining" : "healthy");
        h.put("clientCount", status.clientCount());
        h.put("uptime", Math.round(status.uptimeSeconds() * 1000) / 1000.0);
        h.put("timestamp", Instant.now().toString());
        h.put("nodeId", status.nodeId());
        h.put("version", status.version());
        h.put("clients", status.clientsByDialect());
        h.put("rooms", status.roomCount());
        BusStatus bus = status.bus();
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("bus", bus.kind());
        cluster.put("connected", bus.connected());
        cluster.put("nodes", bus.nodes());
        cluster.put("hopMillis", Math.round(bus.hopMillis() * 1000) / 1000.0);
        h.put("cluster", cluster);
        h.put("transport", status.transport());
        h.put("tls", status.tls());
        return h;
    }

    private Reply ready() {
        // the public port answers before the node's other listeners are up: not ready until all of them are
        boolean ready = status.started() && !status.draining() && status.bus().connected();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ready);
        if (!ready) {
            body.put("reason", status.draining() ? "draining" : !status.started() ? "starting" : "cluster unreachable");
        }
        return new Reply(ready ? 200 : 503, JSON, json(body));
    }

    private byte[] json(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletionStage<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
