package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PeerJS across two nodes on a real Redis (docs/protocols/peerjs.md#cluster): ids unique cluster-wide, the
 * same-token takeover across nodes, relays both ways, a queue held on the sender's node delivered when the id
 * connects on the other node, and EXPIRE to a sender on another node than the one that held its queue.
 */
class PeerJsClusterTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final String OPEN = "{\"type\":\"OPEN\"}";
    private RedisServer redis;
    private Switchboard n1;
    private Switchboard n2;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        n1 = TestNodes.start(TestNodes.config().nodeId("n1").redisUri(redis.uri())
                .set(NodeOptions.PEERJS_EXPIRE_TIMEOUT, Duration.ofSeconds(3))
                .set(NodeOptions.PEERJS_ALLOW_DISCOVERY, true).build());
        n2 = TestNodes.start(TestNodes.config().nodeId("n2").redisUri(redis.uri())
                .set(NodeOptions.PEERJS_EXPIRE_TIMEOUT, Duration.ofSeconds(3)).build());
    }

    @AfterEach
    void stop() {
        n1.close();
        n2.close();
        redis.close();
    }

    private static WsClient raw(Switchboard n, String id, String token) {
        return WsClient.connect(n.port(), "/peerjs?key=peerjs&id=" + id + "&token=" + token);
    }

    private static WsClient connect(Switchboard n, String id, String token) {
        WsClient c = raw(n, id, token);
        assertThat(c.next()).isEqualTo(OPEN);
        return c;
    }

    @Test
    void idsAreUniqueAndRelaysCrossNodes() {
        try (WsClient alice = connect(n1, "alice", "ta"); WsClient bob = connect(n2, "bob", "tb")) {
            WsClient copy = raw(n2, "alice", "other");
            assertThat(copy.next()).isEqualTo("{\"type\":\"ID-TAKEN\",\"payload\":{\"msg\":\"ID is taken\"}}");
            assertThat(copy.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(WsClient.CloseStatus.NO_STATUS);
            alice.send("{\"type\":\"OFFER\",\"dst\":\"bob\",\"src\":\"x\",\"payload\":{\"a\":1},\"z\":0}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"bob\",\"payload\":{\"a\":1}}");
            bob.send("{\"type\":\"ANSWER\",\"dst\":\"alice\",\"payload\":2}");
            assertThat(alice.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":2}");
            // discovery lists the cluster's ids
            assertThat(Http.get(n1.port(), "/peerjs/peers").body()).contains("\"alice\"").contains("\"bob\"");
        }
    }

    @Test
    void theSameTokenTakesOverOnAnotherNode() {
        try (WsClient bob = connect(n1, "bob", "tb"); WsClient old = connect(n1, "alice", "ta")) {
            WsClient now = raw(n2, "alice", "ta");
            assertThat(old.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(1000);
            assertThat(now.poll(QUIET)).isNull(); // no OPEN, as upstream
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\"}");
            assertThat(now.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\"}");
            now.close();
        }
    }

    /**
     * The node holding the queue hears of the join (the claim's publish) and sends at once; the joining node may
     * read that message before its own claim's answer: the hub holds it for the claim (HubTest has the
     * interleaving deterministically).
     */
    @Test
    void aQueueOnOneNodeIsDeliveredWhenTheIdConnectsOnTheOther() {
        try (WsClient alice = connect(n1, "alice", "ta"); WsClient bob = connect(n1, "bob", "tb")) {
            alice.send("{\"type\":\"OFFER\",\"dst\":\"carol\",\"payload\":1}");
            alice.send("{\"type\":\"CANDIDATE\",\"dst\":\"carol\",\"payload\":2}");
            alice.send("{\"type\":\"OFFER\",\"dst\":\"bob\"}"); // once bob has it, the two above are queued
            assertThat(bob.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"bob\"}");
            try (WsClient carol = raw(n2, "carol", "tc")) {
                assertThat(carol.next()).isEqualTo(OPEN);
                assertThat(carol.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"carol\",\"payload\":1}");
                assertThat(carol.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"alice\",\"dst\":\"carol\",\"payload\":2}");
            }
            assertThat(alice.poll(Duration.ofMillis(4500))).isNull(); // delivered, so never expired
        }
    }

    @Test
    void expireReachesTheSenderWhereverItIsNow() {
        WsClient first = connect(n1, "alice", "ta");
        first.send("{\"type\":\"OFFER\",\"dst\":\"carol\"}");
        // alice moves to the other node with her token before her queue on n1 expires
        try (WsClient bob = connect(n1, "bob", "tb")) {
            first.send("{\"type\":\"OFFER\",\"dst\":\"bob\"}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"bob\"}");
            WsClient moved = raw(n2, "alice", "ta");
            assertThat(first.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(1000);
            assertThat(moved.poll(Duration.ofSeconds(15))).extracting(WsClient.Message::text)
                    .isEqualTo("{\"type\":\"EXPIRE\",\"src\":\"carol\",\"dst\":\"alice\"}");
            moved.close();
        }
    }
}
