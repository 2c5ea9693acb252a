package dev.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.support.ProjectFiles;
import dev.switchboard.support.Tokens;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RawUpgrade;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every metric the Grafana dashboards and the alert rules under deploy/ query exists in a live node's /metrics —
 * a clustered node (over a real redis-server), after traffic of every dialect, a refused upgrade, a refused
 * request and a close, so that the series made on first use exist — and every switchboard_ metric it has is
 * documented in the README. A renamed metric fails here, not on an operator's empty panel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueriedMetricsTest {
    /** Made by Prometheus itself for each scrape, not by the node. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");

    private RedisServer redis;
    private Switchboard node;
    private Switchboard other;
    private Set<String> exposed;

    @BeforeAll
    void startAndMakeTraffic() throws Exception {
        redis = RedisServer.start();
        Path secret = Files.createTempFile("switchboard-hmac", ".secret");
        secret.toFile().deleteOnExit();
        Files.writeString(secret, Tokens.HMAC_SECRET);
        Tokens.Made tokens = new Tokens().secret(Tokens.HMAC_SECRET)
                .token("team", "HS256", null, Map.of("sub", "team", "exp", Tokens.in(3600),
                        "switchboard", Map.of("rooms", List.of("team-*"))))
                .make();
        node = TestNodes.start(TestNodes.config().nodeId("seen").redisUri(redis.uri()).auth("optional")
                .authHmacSecretFile(secret.toString()).allowedOrigins("https://app.example.com").build());
        other = TestNodes.start(TestNodes.config().nodeId("other").redisUri(redis.uri()).build());
        int port = node.port();

        // y-webrtc: a publish relayed across nodes; a topic the token does not grant (refused, not_granted)
        try (WsClient local = WsClient.connect(port, "/?token=" + tokens.token("team"));
             WsClient remote = WsClient.connect(other.port(), "/")) {
            local.send("{\"type\":\"subscribe\",\"topics\":[\"team-a\",\"elsewhere\"]}");
            remote.send("{\"type\":\"subscribe\",\"topics\":[\"team-a\"]}");
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                remote.send("{\"type\":\"publish\",\"topic\":\"team-a\",\"n\":1}");
                return local.poll(Duration.ofMillis(500)) != null;
            });
        }
        // named-peer: two logins and a relay
        try (WsClient paris = WsClient.connect(port, "/"); WsClient nantes = WsClient.connect(port, "/")) {
            paris.send("{\"type\":\"login\",\"name\":\"paris\"}");
            paris.next();
            nantes.send("{\"type\":\"login\",\"name\":\"nantes\"}");
            nantes.next();
            assertThat(paris.next()).contains("peer_connected");
            nantes.send("{\"type\":\"offer\",\"target\":\"paris\",\"sdp\":\"v=0\"}");
            assertThat(paris.next()).contains("\"from\":\"nantes\"");
        }
        // Rendezvous: the challenge, and an error for a message that is not JSON
        try (WsClient peer = WsClient.connect(port, "/room/lobby/websocket")) {
            peer.next();
            peer.send("not json");
            peer.next();
        }
        // Radix Connect: both sides of one connection id
        String id = "cd".repeat(32);
        try (WsClient wallet = WsClient.connect(port, "/" + id + "?target=extension&source=wallet");
             WsClient extension = WsClient.connect(port, "/" + id + "?target=wallet&source=extension")) {
            wallet.next();
            extension.next();
        }
        // gRPC: a worker and a client in Node (@grpc/grpc-js)
        NodeScript.Result grpc = NodeScript.run("src/test/grpc-node", "negotiate.mjs", 60, "--port",
                Integer.toString(node.grpcPort()));
        assertThat(grpc.exitCode()).as(grpc.describe()).isZero();
        // an upgrade from an origin not allowed
        try (RawUpgrade refused = RawUpgrade.open(port, "/", new byte[0], "Origin: https://evil.example")) {
            assertThat(refused.statusLine()).contains("403");
        }
        // the GC pause series is made at the first collection after the node bound its meters: one, in this JVM
        System.gc();
        await().atMost(Duration.ofSeconds(30)).until(() -> names(scrape())
                .containsAll(List.of("switchboard_closes_total", "jvm_gc_pause_seconds_sum")));
        exposed = names(scrape());
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        if (other != null) {
            other.close();
        }
        redis.close();
    }

    @Test
    void everyMetricTheDashboardsQueryExists() {
        assertQueriedMetricsExist(Queries.dashboards());
    }

    @Test
    void everyMetricTheAlertRulesQueryExists() {
        assertQueriedMetricsExist(Queries.alertRules());
    }

    @Test
    void everySwitchboardMetricIsDocumentedInTheReadme() throws IOException {
        String readme = Files.readString(ProjectFiles.root().resolve("README.md"));
        String table = readme.substring(readme.indexOf("\nMetrics (besides"), readme.indexOf("\n**An operations port.**"));
        Set<String> undocumented = new TreeSet<>();
        for (String name : exposed) {
            String family = name.replaceFirst("_(bucket|count|sum|max)$", "");
            if (name.startsWith("switchboard_") && !table.contains("`" + family + "`")
                    && !table.contains("`" + family + "{")) {
                undocumented.add(family);
            }
        }
        assertThat(undocumented).as("metrics missing from the README's Operations table").isEmpty();
    }

    private void assertQueriedMetricsExist(List<String> queries) {
        assertThat(queries).isNotEmpty();
        Map<String, String> missing = new TreeMap<>();
        for (String query : queries) {
            Set<String> names = Queries.metricNames(query);
            assertThat(names).as("metrics of " + query).isNotEmpty();
            for (String name : names) {
                if (!exposed.contains(name) && !PROMETHEUS_OWN.contains(name)) {
                    missing.put(name, query);
                }
            }
        }
        assertThat(missing).as("queried metrics that the node does not expose (metric → query)").isEmpty();
    }

    private String scrape() {
        return Http.get(node.port(), "/metrics").body();
    }

    /** The metric names in a Prometheus text exposition. */
    private static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }
}
