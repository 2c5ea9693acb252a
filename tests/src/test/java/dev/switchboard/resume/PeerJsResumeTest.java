package dev.switchboard.resume;

import static dev.switchboard.resume.ResumeCases.PATIENCE;
import static dev.switchboard.resume.ResumeCases.QUIET;
import static dev.switchboard.resume.ResumeCases.awaitKept;
import static dev.switchboard.resume.ResumeCases.awaitParked;
import static dev.switchboard.resume.ResumeCases.quickNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.resume.ResumeCases.KilledNode;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.core.RoomKey;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisClusterServer;
import dev.switchboard.testkit.SeverableProxy;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * PeerJS resume by its token (docs/design/resume.md, docs/protocols/peerjs.md#resume), over real sockets: a
 * client whose network drops (a proxy cuts its TCP connection without a close) comes back with its id and token
 * and gets OPEN, then what was sent to it meanwhile, in order, once; on its node, and on another node after its
 * own was killed. The sender sees no EXPIRE. A stale connection still open is closed with the documented
 * reason; after the window the id starts fresh; another token gets today's ID-TAKEN.
 */
class PeerJsResumeTest {
    private static final String OPEN = "{\"type\":\"OPEN\"}";

    private static String path(String id, String token) {
        return "/peerjs?key=peerjs&id=" + id + "&token=" + token;
    }

    private static WsClient connect(int port, String id, String token) {
        WsClient c = WsClient.connect(port, path(id, token));
        assertThat(c.next()).isEqualTo(OPEN);
        return c;
    }

    @Test
    void aDroppedClientResumesOnItsNodeWithWhatWasSentMeanwhileInOrder() {
        try (Switchboard node = quickNode(Duration.ofSeconds(30));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient bob = connect(node.port(), "bob", "tb")) {
            WsClient alice = connect(network.port(), "alice", "ta");
            network.sever();
            awaitParked(node, 1);
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":1}");
            bob.send("{\"type\":\"CANDIDATE\",\"dst\":\"alice\",\"payload\":2}");
            awaitKept(node, 2);
            try (WsClient back = WsClient.connect(node.port(), path("alice", "ta"))) {
                assertThat(back.next()).isEqualTo(OPEN);
                assertThat(back.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":1}");
                assertThat(back.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":2}");
                bob.send("{\"type\":\"ANSWER\",\"dst\":\"alice\",\"payload\":3}");
                assertThat(back.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":3}");
                back.send("{\"type\":\"ANSWER\",\"dst\":\"bob\",\"payload\":4}");
                assertThat(bob.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"alice\",\"dst\":\"bob\",\"payload\":4}");
                assertThat(back.poll(QUIET)).isNull(); // each once
            }
            assertThat(bob.poll(QUIET)).isNull(); // no EXPIRE: nothing was lost
            assertThat(node.hub().resumeStats().resumed()).isEqualTo(1);
            alice.close();
        }
    }

    @Test
    void aStaleConnectionStillOpenIsClosedWithItsReasonAndTheReturnTakesOver() {
        // the default ping interval: the node has not noticed the cut when the client comes back
        try (Switchboard node = TestNodes.start(TestNodes.config().build());
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient bob = connect(node.port(), "bob", "tb")) {
            WsClient alice = connect(network.port(), "alice", "ta");
            network.sever();
            try (WsClient back = WsClient.connect(node.port(), path("alice", "ta"))) {
                await().atMost(PATIENCE).until(network::nodeClosed);
                assertThat(network.afterCut()).contains("Connected elsewhere with the same id and token");
                assertThat(back.poll(QUIET)).isNull(); // a takeover of a connected id: no OPEN, as upstream
                bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":1}");
                assertThat(back.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":1}");
            }
            alice.close();
        }
    }

    @Test
    void anotherTokenGetsIdTakenWhileParkedAndTheIdStartsFreshAfterTheWindow() {
        try (Switchboard node = quickNode(Duration.ofSeconds(3));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient bob = connect(node.port(), "bob", "tb")) {
            WsClient alice = connect(network.port(), "alice", "ta");
            network.sever();
            awaitParked(node, 1);
            try (WsClient other = WsClient.connect(node.port(), path("alice", "other"))) {
                assertThat(other.next()).isEqualTo("{\"type\":\"ID-TAKEN\",\"payload\":{\"msg\":\"ID is taken\"}}");
            }
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":\"kept, then dropped with the window\"}");
            await().atMost(PATIENCE).until(() -> node.hub().resumeStats().expired() == 1);
            try (WsClient late = connect(node.port(), "alice", "ta")) {
                assertThat(late.poll(QUIET)).isNull(); // fresh: what was kept went with the window
            }
            alice.close();
        }
    }

    /** The scripts on a Redis Cluster: keys under the room's hash tag, joins on sharded pub/sub. */
    @Test
    void aDroppedClientResumesOnAnotherNodeOverARedisCluster() {
        try (RedisClusterServer redis = RedisClusterServer.start(3);
             Switchboard n1 = TestNodes.start(TestNodes.config().nodeId("rc1").redisUri(redis.uris()).redisCluster(true)
                     .set(NodeOptions.PING_INTERVAL, Duration.ofMillis(500)).build());
             Switchboard n2 = TestNodes.start(TestNodes.config().nodeId("rc2").redisUri(redis.uris()).redisCluster(true).build());
             SeverableProxy network = SeverableProxy.to(n1.port());
             WsClient bob = connect(n2.port(), "bob", "tb")) {
            WsClient alice = connect(network.port(), "alice", "ta");
            network.sever();
            awaitParked(n1, 1);
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":1}");
            bob.send("{\"type\":\"CANDIDATE\",\"dst\":\"alice\",\"payload\":2}");
            awaitKept(n1, 2);
            try (WsClient back = WsClient.connect(n2.port(), path("alice", "ta"))) {
                assertThat(back.next()).isEqualTo(OPEN);
                assertThat(back.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":1}");
                assertThat(back.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":2}");
                bob.send("{\"type\":\"ANSWER\",\"dst\":\"alice\",\"payload\":3}");
                assertThat(back.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":3}");
                assertThat(back.poll(QUIET)).isNull();
            }
            awaitParked(n1, 0);
            assertThat(bob.poll(QUIET)).isNull();
            alice.close();
        }
    }

    @Test
    void aClientOfAKilledNodeResumesOnAnotherWithWhatWasSentMeanwhile() {
        try (KilledNode nodes = KilledNode.overRedis();
             WsClient bob = connect(nodes.survivor().port(), "bob", "tb")) {
            Switchboard survivor = nodes.survivor();
            NodeProcess victim = nodes.victim();
            WsClient alice = connect(victim.port(), "alice", "ta");
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":0}");
            assertThat(alice.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":0}");
            victim.kill();
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":1}");
            bob.send("{\"type\":\"CANDIDATE\",\"dst\":\"alice\",\"payload\":2}");
            awaitKept(survivor, 2);
            // the survivor reaps the victim, and keeps alice registered for her window
            nodes.awaitReaped();
            assertThat(survivor.hub().member(new RoomKey("peerjs", "realm"), "alice")).isPresent();
            try (WsClient back = WsClient.connect(survivor.port(), path("alice", "ta"))) {
                assertThat(back.next()).isEqualTo(OPEN);
                assertThat(back.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":1}");
                assertThat(back.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":2}");
                bob.send("{\"type\":\"ANSWER\",\"dst\":\"alice\",\"payload\":3}");
                assertThat(back.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":3}");
                assertThat(back.poll(QUIET)).isNull();
            }
            assertThat(bob.poll(QUIET)).isNull(); // no EXPIRE
            alice.close();
        }
    }

    /**
     * Over a Redis Cluster a direct message goes down the target node's own channel of the room, which a killed
     * node no longer hears: what is sent to its client is kept, before the survivor reaps the node and after.
     */
    @Test
    void aClientOfAKilledNodeResumesOnAnotherWithWhatWasSentMeanwhileOverARedisCluster() {
        try (KilledNode nodes = KilledNode.overRedisCluster();
             WsClient bob = connect(nodes.survivor().port(), "bob", "tb")) {
            Switchboard survivor = nodes.survivor();
            NodeProcess victim = nodes.victim();
            WsClient alice = connect(victim.port(), "alice", "ta");
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":0}");
            assertThat(alice.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":0}");
            victim.kill();
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":1}");
            bob.send("{\"type\":\"CANDIDATE\",\"dst\":\"alice\",\"payload\":2}");
            awaitKept(survivor, 2);
            nodes.awaitReaped(); // reaped
            bob.send("{\"type\":\"CANDIDATE\",\"dst\":\"alice\",\"payload\":3}");
            awaitKept(survivor, 3);
            try (WsClient back = WsClient.connect(survivor.port(), path("alice", "ta"))) {
                assertThat(back.next()).isEqualTo(OPEN);
                assertThat(back.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":1}");
                assertThat(back.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":2}");
                assertThat(back.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":3}");
                bob.send("{\"type\":\"ANSWER\",\"dst\":\"alice\",\"payload\":4}");
                assertThat(back.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":4}");
                assertThat(back.poll(QUIET)).isNull();
            }
            assertThat(bob.poll(QUIET)).isNull(); // no EXPIRE
            alice.close();
        }
    }

    /**
     * Back on another node before anything was kept for it and before its dead node was reaped: it was parked
     * all the same (its node no longer listens), so it gets OPEN as after any drop.
     */
    @Test
    void aClientOfAKilledNodeBackBeforeTheNodeIsReapedGetsOpen() {
        try (KilledNode nodes = KilledNode.overRedis(c -> c.set(NodeOptions.FAILURE_TIMEOUT, Duration.ofMinutes(5)));
             WsClient bob = connect(nodes.survivor().port(), "bob", "tb")) { // no reaping in this test
            Switchboard survivor = nodes.survivor();
            WsClient alice = connect(nodes.victim().port(), "alice", "ta");
            nodes.kill();
            nodes.awaitVictimGoneFromRedis();
            try (WsClient back = WsClient.connect(survivor.port(), path("alice", "ta"))) {
                assertThat(back.next()).isEqualTo(OPEN);
                bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":1}");
                assertThat(back.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":1}");
                assertThat(back.poll(QUIET)).isNull();
            }
            assertThat(bob.poll(QUIET)).isNull();
            alice.close();
        }
    }
}
