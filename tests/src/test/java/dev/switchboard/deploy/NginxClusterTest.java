package dev.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.support.HandshakeEcho;
import dev.switchboard.support.Nginx;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.WsClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The repository's nginx configuration (deploy/nginx/switchboard.conf) run by Debian's nginx in front of three
 * nodes, each in its own process, over a real redis-server — the compose file's cluster on loopback. Only the
 * addresses of the shipped file are rewritten ({@link DeployFiles#nginxFor}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES) // three JVMs, Redis and nginx start in @BeforeAll
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NginxClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private RedisServer redis;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private Nginx nginx;

    @BeforeAll
    void start() {
        redis = RedisServer.start();
        // started side by side (each start waits for its JVM); nginx connects from 127.0.0.1, so only its
        // X-Forwarded-For is believed
        List<CompletableFuture<NodeProcess>> starting = Stream.of("a", "b", "c").map(id -> CompletableFuture.supplyAsync(() ->
                NodeProcess.start("--redis", redis.uri(), "--node-id", id, "--trusted-proxies", "127.0.0.1"))).toList();
        RuntimeException failed = null;
        for (CompletableFuture<NodeProcess> node : starting) {
            try {
                nodes.add(node.join()); // every started one, so that @AfterAll ends it even if another failed
            } catch (RuntimeException e) {
                failed = e;
            }
        }
        if (failed != null) {
            throw failed;
        }
        nginx = Nginx.start(DeployFiles.nginxFor(nodes.stream().map(NodeProcess::port).toList()));
    }

    @AfterAll
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
        nodes.forEach(NodeProcess::close);
        redis.close();
    }

    @Test
    @Order(1)
    void theNodeSeesTheClientsAddressThroughNginx() throws IOException {
        // a client on another loopback address than nginx's own outgoing one, so the two can be told apart
        String echo = ForwardedClient.firstMessage("127.0.0.2", nginx.port(), HandshakeEcho.PATH);
        assertThat(echo).startsWith("client=127.0.0.2 ");
    }

    @Test
    @Order(2)
    void clientsRelayAcrossNodesAndMoveWhenANodeIsStopped() {
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                clients.add(subscribed());
            }
            // least_conn spreads the long-lived sockets: every node holds some
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(nodes).allSatisfy(n -> assertThat(clientCount(n)).isPositive()));
            everyoneHearsAPublish(clients);

            NodeProcess stopped = nodes.get(0);
            int moved = clientCount(stopped);
            stopped.terminate();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> clients.stream().filter(c -> !c.isOpen()).count() == moved);
            for (int i = 0; i < clients.size(); i++) {
                if (!clients.get(i).isOpen()) {
                    assertThat(clients.get(i).awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1001);
                    clients.set(i, subscribed()); // the client reconnects to the same address: nginx
                }
            }
            assertThat(stopped.waitFor(30)).isTrue();
            assertThat(stopped.process().exitValue()).as("128 + SIGTERM, as README says").isEqualTo(143);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(clientCount(nodes.get(1)) + clientCount(nodes.get(2))).isEqualTo(6));
            everyoneHearsAPublish(clients);
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    private WsClient subscribed() {
        WsClient c = WsClient.connect(nginx.port(), "/");
        c.send("{\"type\":\"subscribe\",\"topics\":[\"through-nginx\"]}");
        return c;
    }

    /** A publish reaches every subscriber, on whichever node it is, counted cluster-wide (retried until the joins are known). */
    private static void everyoneHearsAPublish(List<WsClient> clients) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String nonce = UUID.randomUUID().toString();
            clients.get(0).send("{\"type\":\"publish\",\"topic\":\"through-nginx\",\"nonce\":\"" + nonce + "\"}");
            for (WsClient c : clients) {
                assertThat(nextWith(c, nonce)).isEqualTo("{\"type\":\"publish\",\"topic\":\"through-nginx\",\"nonce\":\""
                        + nonce + "\",\"clients\":" + clients.size() + "}");
            }
        });
    }

    private static String nextWith(WsClient c, String nonce) {
        for (WsClient.Message m; (m = c.poll(Duration.ofSeconds(2))) != null; ) {
            if (m.text().contains(nonce)) {
                return m.text();
            }
        }
        return null;
    }

    private static int clientCount(NodeProcess node) {
        try {
            return JSON.readTree(Http.get(node.port(), "/health").body()).get("clientCount").asInt();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
