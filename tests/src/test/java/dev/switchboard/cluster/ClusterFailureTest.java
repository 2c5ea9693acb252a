package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.core.RoomKey;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failure semantics of docs/design/cluster-bus.md#failure-behaviour with real processes: a node killed with SIGKILL
 * is noticed and its members removed within the bound (no ghosts); Redis killed and restarted empty: same-node
 * signaling goes on, and cross-node signaling and membership come back by themselves within 5 s.
 */
class ClusterFailureTest {
    private static final RoomKey ROOM = new RoomKey("y-webrtc", "room");
    private RedisServer redis;
    private Switchboard survivor;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        survivor = TestNodes.start(TestNodes.config().nodeId("survivor").redisUri(redis.uri()).build());
    }

    @AfterEach
    void stop() {
        survivor.close();
        redis.close();
    }

    /** A y-webrtc client subscribed to "room", its subscription settled. */
    static WsClient subscriber(int port) {
        WsClient c = WsClient.connect(port, "/");
        c.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
        c.send("{\"type\":\"ping\"}");
        assertThat(c.next()).isEqualTo("{\"type\":\"pong\"}");
        return c;
    }

    @Test
    void killedNodesMembersAreRemovedWithinTheBound() {
        try (NodeProcess victim = NodeProcess.start("--node-id", "victim", "--redis", redis.uri());
             WsClient local = subscriber(survivor.port());
             WsClient remote1 = subscriber(victim.port());
             WsClient remote2 = subscriber(victim.port())) {
            await().until(() -> survivor.hub().knownCount(ROOM) == 3);
            long killedAt = System.nanoTime();
            victim.kill();
            await().until(() -> survivor.hub().knownCount(ROOM) == 1);
            Duration detection = Duration.ofNanos(System.nanoTime() - killedAt);
            assertThat(detection).isLessThanOrEqualTo(Duration.ofSeconds(10));
            // no ghost anywhere: the room's registry, the dead node's index and its heartbeat are gone
            assertThat(redis.command("HKEYS", "switchboard:m:{y-webrtc:room}")).doesNotContain("victim");
            assertThat(redis.command("EXISTS", "switchboard:n:victim")).isEqualTo(":0\r\n");
            assertThat(redis.command("ZSCORE", "switchboard:{nodes}", "victim")).isEqualTo("$-1\r\n"); // nil
            local.send("{\"type\":\"publish\",\"topic\":\"room\"}");
            assertThat(local.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room\",\"clients\":1}");
        }
    }

    @Test
    void redisOutageKeepsLocalSignalingAndRecoversByItself() throws Exception {
        try (Switchboard other = TestNodes.start(TestNodes.config().nodeId("other").redisUri(redis.uri()).build());
             WsClient a = subscriber(survivor.port());
             WsClient b = subscriber(survivor.port());
             WsClient c = subscriber(other.port())) {
            await().until(() -> survivor.hub().knownCount(ROOM) == 3);

            redis.kill();
            await().until(() -> !survivor.hub().bus().status().connected());
            assertThat(Http.get(survivor.port(), "/ready").statusCode()).isEqualTo(503);
            // same-node signaling goes on
            a.send("{\"type\":\"publish\",\"topic\":\"room\",\"during\":\"outage\"}");
            String expected = "{\"type\":\"publish\",\"topic\":\"room\",\"during\":\"outage\",\"clients\":3}";
            assertThat(a.next()).isEqualTo(expected);
            assertThat(b.next()).isEqualTo(expected);

            long restartedAt = System.nanoTime();
            redis.restart(); // empty: every node must re-register what it holds
            await().pollInterval(Duration.ofMillis(50)).until(() -> {
                String members = redis.command("HLEN", "switchboard:m:{y-webrtc:room}");
                return members.equals(":3\r\n") && survivor.hub().bus().status().connected()
                        && other.hub().bus().status().connected();
            });
            Duration recovery = Duration.ofNanos(System.nanoTime() - restartedAt);
            assertThat(recovery).isLessThanOrEqualTo(Duration.ofSeconds(5));
            assertThat(Http.get(survivor.port(), "/ready").statusCode()).isEqualTo(200);
            await().until(() -> {
                a.send("{\"type\":\"publish\",\"topic\":\"room\",\"after\":1}");
                WsClient.Message m = c.poll(Duration.ofMillis(200));
                a.poll(Duration.ofMillis(50));
                b.poll(Duration.ofMillis(50));
                return m != null;
            });
            ObjectMapper json = new ObjectMapper();
            await().until(() -> json.readTree(Http.get(survivor.port(), "/health").body())
                    .get("cluster").get("nodes").asInt() == 2);
        }
    }
}
