package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.core.RoomKey;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The harder failures of docs/design/cluster-bus.md#failure-behaviour, where the cluster's record and a node's
 * truth drift apart: a Redis that keeps its data across an outage, a node frozen past the failure timeout, a node
 * restarted under its old id, an outage longer than the failure timeout. After each, the cluster's view must equal
 * the truth again. Short heartbeats (200 ms) and failure timeouts (2 s) keep the tests quick.
 */
class ClusterRecoveryTest {
    private static final RoomKey ROOM = new RoomKey("y-webrtc", "room");
    private static final String MEMBERS = "switchboard:m:{y-webrtc:room}";
    private static final String[] FAST = {"--heartbeat-interval", "200ms", "--failure-timeout", "2s"};

    private static Switchboard node(RedisServer redis, String id) {
        return TestNodes.start(TestNodes.config().nodeId(id).redisUri(redis.uri())
                .heartbeatInterval(Duration.ofMillis(200)).failureTimeout(Duration.ofSeconds(2)).build());
    }

    private static NodeProcess process(RedisServer redis, String id) {
        String[] args = new String[FAST.length + 4];
        System.arraycopy(new String[] {"--node-id", id, "--redis", redis.uri()}, 0, args, 0, 4);
        System.arraycopy(FAST, 0, args, 4, FAST.length);
        return NodeProcess.start(args);
    }

    private static WsClient subscriber(int port) {
        return ClusterFailureTest.subscriber(port);
    }

    private static String hlen(RedisServer redis) {
        return redis.command("HLEN", MEMBERS);
    }

    @Test
    void aMemberThatLeftDuringAnOutageIsWithdrawnWhenRedisKeptItsData() {
        try (RedisServer redis = RedisServer.startPersistent();
             Switchboard a = node(redis, "a");
             Switchboard b = node(redis, "b");
             WsClient stays = subscriber(a.port());
             WsClient remote = subscriber(b.port())) {
            WsClient leaves = subscriber(a.port());
            await().until(() -> b.hub().knownCount(ROOM) == 3);
            redis.kill();
            await().until(() -> !a.hub().bus().status().connected());
            leaves.close(); // its release cannot reach Redis
            await().until(() -> a.hub().knownCount(ROOM) == 2);
            redis.restart(); // with the three registrations it had
            await().until(() -> a.hub().bus().status().connected());
            await().until(() -> hlen(redis).equals(":2\r\n") && b.hub().knownCount(ROOM) == 2);
            remote.send("{\"type\":\"publish\",\"topic\":\"room\"}");
            assertThat(remote.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room\",\"clients\":2}");
        }
    }

    @Test
    void aNodeTakenForDeadRegistersAgainWhenItWakes() {
        try (RedisServer redis = RedisServer.start();
             Switchboard survivor = node(redis, "survivor");
             NodeProcess frozen = process(redis, "frozen");
             WsClient local = subscriber(survivor.port());
             WsClient remote1 = subscriber(frozen.port());
             WsClient remote2 = subscriber(frozen.port())) {
            await().until(() -> survivor.hub().knownCount(ROOM) == 3);
            frozen.pause();
            try {
                // taken for dead: its members are removed
                await().until(() -> survivor.hub().knownCount(ROOM) == 1);
            } finally {
                frozen.resume();
            }
            // it wakes with its two sockets still open: the cluster must list them again
            await().until(() -> survivor.hub().knownCount(ROOM) == 3
                    && hlen(redis).equals(":3\r\n"));
            local.send("{\"type\":\"publish\",\"topic\":\"room\",\"n\":1}");
            await().until(() -> {
                WsClient.Message m = remote1.poll(Duration.ofMillis(100));
                return m != null && m.text().contains("\"n\":1");
            });
        }
    }

    @Test
    void aNodeRestartedUnderItsOldIdClearsWhatItsPredecessorHeld() {
        try (RedisServer redis = RedisServer.start();
             // a failure timeout far longer than a restart: the survivor will not have reaped the old process
             Switchboard survivor = TestNodes.start(TestNodes.config().nodeId("survivor").redisUri(redis.uri())
                     .failureTimeout(Duration.ofSeconds(60)).build());
             WsClient local = subscriber(survivor.port())) {
            try (NodeProcess first = process(redis, "reused");
                 WsClient r1 = subscriber(first.port());
                 WsClient r2 = subscriber(first.port())) {
                await().until(() -> survivor.hub().knownCount(ROOM) == 3);
                first.kill();
            }
            try (NodeProcess second = process(redis, "reused")) { // within the failure timeout
                await().until(() -> survivor.hub().knownCount(ROOM) == 1
                        && hlen(redis).equals(":1\r\n"));
                try (WsClient r3 = subscriber(second.port())) {
                    await().until(() -> survivor.hub().knownCount(ROOM) == 2);
                }
            }
        }
    }

    @Test
    void anOutageLongerThanTheFailureTimeoutRecoversWithinTheBound() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Switchboard a = node(redis, "a");
             Switchboard b = node(redis, "b");
             WsClient ca = subscriber(a.port());
             WsClient cb = subscriber(b.port())) {
            await().until(() -> a.hub().knownCount(ROOM) == 2);
            redis.kill();
            // Lettuce's default backoff doubles from 1 ms: after a try at about 8.2 s the next comes at about 16.4 s
            Thread.sleep(9_000);
            long restartedAt = System.nanoTime();
            redis.restart();
            await().pollInterval(Duration.ofMillis(50))
                    .until(() -> hlen(redis).equals(":2\r\n") && a.hub().bus().status().connected()
                            && b.hub().bus().status().connected());
            assertThat(Duration.ofNanos(System.nanoTime() - restartedAt)).isLessThanOrEqualTo(Duration.ofSeconds(5));
            await().until(() -> {
                ca.send("{\"type\":\"publish\",\"topic\":\"room\",\"after\":1}");
                WsClient.Message m = cb.poll(Duration.ofMillis(200));
                ca.poll(Duration.ofMillis(50));
                return m != null;
            });
        }
    }
}
