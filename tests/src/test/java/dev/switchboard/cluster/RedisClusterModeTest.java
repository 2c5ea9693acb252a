package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.core.RoomKey;
import dev.switchboard.testkit.RedisClusterServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nodes over a real three-master Redis Cluster with sharded pub/sub: delivery, counts, uniqueness, order and
 * leave events across nodes, and room channels subscribed on the shard that owns them (SSUBSCRIBE).
 */
class RedisClusterModeTest {
    private static RedisClusterServer redis;
    private static Switchboard n1;
    private static Switchboard n2;

    @BeforeAll
    static void start() {
        redis = RedisClusterServer.start(3);
        n1 = TestNodes.start(TestNodes.config().nodeId("rc1").redisUri(redis.uris()).redisCluster(true).build());
        n2 = TestNodes.start(TestNodes.config().nodeId("rc2").redisUri(redis.uris()).redisCluster(true).build());
    }

    @AfterAll
    static void stop() {
        if (n1 != null) {
            n1.close();
        }
        if (n2 != null) {
            n2.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static WsClient subscriber(Switchboard node, String topic) {
        WsClient c = WsClient.connect(node.port(), "/");
        c.send("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
        c.send("{\"type\":\"ping\"}");
        assertThat(c.next()).isEqualTo("{\"type\":\"pong\"}");
        return c;
    }

    @Test
    void yWebrtcCrossesNodesInOrderOverShardedPubSub() {
        try (WsClient a = subscriber(n1, "sharded"); WsClient b = subscriber(n2, "sharded")) {
            RoomKey key = new RoomKey("y-webrtc", "sharded");
            await().until(() -> n1.hub().knownCount(key) == 2 && n2.hub().knownCount(key) == 2);
            for (int i = 0; i < 1000; i++) {
                a.send("{\"type\":\"publish\",\"topic\":\"sharded\",\"i\":" + i + "}");
            }
            for (int i = 0; i < 1000; i++) {
                assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"sharded\",\"i\":" + i + ",\"clients\":2}");
            }
            // the room's channel is a shard channel, subscribed on exactly one shard
            int shards = 0;
            for (int port : redis.ports()) {
                String reply = redis.command(port, "PUBSUB", "SHARDNUMSUB", "switchboard:c:{y-webrtc:sharded}");
                if (reply.endsWith(":2\r\n")) {
                    shards++;
                }
            }
            assertThat(shards).as("shards holding both nodes' subscriptions").isEqualTo(1);
        }
    }

    /** Braces in a topic are escaped where it reaches a hash tag: they cannot pick the room's slot. */
    @Test
    void aTopicWithBracesKeepsItsWholeNameAsTheHashTag() {
        String topic = "x}1{%7D";
        try (WsClient a = subscriber(n1, topic); WsClient b = subscriber(n2, topic)) {
            RoomKey key = new RoomKey("y-webrtc", topic);
            await().until(() -> n1.hub().knownCount(key) == 2 && n2.hub().knownCount(key) == 2);
            a.send("{\"type\":\"publish\",\"topic\":\"x}1{%7D\",\"n\":1}");
            assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"x}1{%7D\",\"n\":1,\"clients\":2}");
            String channel = "switchboard:c:{y-webrtc:x%7D1%7B%257D}";
            int shards = 0;
            for (int port : redis.ports()) {
                if (redis.command(port, "PUBSUB", "SHARDNUMSUB", channel).endsWith(":2\r\n")) {
                    shards++;
                }
            }
            assertThat(shards).as("the escaped channel, subscribed by both nodes on one shard").isEqualTo(1);
            assertThat(redis.command(redis.ports().get(0), "CLUSTER", "KEYSLOT", channel))
                    .as("the slot of the whole escaped name, not of the text before the first brace")
                    .isEqualTo(redis.command(redis.ports().get(0), "CLUSTER", "KEYSLOT", "y-webrtc:x%7D1%7B%257D"))
                    .isNotEqualTo(redis.command(redis.ports().get(0), "CLUSTER", "KEYSLOT", "y-webrtc:x"));
        }
    }

    @Test
    void namedPeerIsUniqueAndAnnouncedAcrossNodes() {
        try (WsClient paris = WsClient.connect(n1.port(), "/"); WsClient nantes = WsClient.connect(n2.port(), "/")) {
            paris.send("{\"type\":\"login\",\"name\":\"paris\"}");
            assertThat(paris.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"paris\",\"clients\":[\"paris\"]}");
            nantes.send("{\"type\":\"login\",\"name\":\"nantes\"}");
            assertThat(nantes.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"nantes\",\"clients\":[\"paris\",\"nantes\"]}");
            assertThat(paris.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"nantes\"}");
            try (WsClient copy = WsClient.connect(n2.port(), "/")) {
                copy.send("{\"type\":\"login\",\"name\":\"paris\"}");
                assertThat(copy.next()).isEqualTo("{\"type\":\"error\",\"error\":\"name_taken\"}");
            }
            nantes.send("{\"type\":\"offer\",\"target\":\"paris\"}");
            assertThat(paris.next()).isEqualTo("{\"type\":\"offer\",\"target\":\"paris\",\"from\":\"nantes\"}");
            nantes.close();
            assertThat(paris.next()).isEqualTo("{\"type\":\"peer_disconnected\",\"peer\":\"nantes\"}");
        }
    }

    @Test
    void directMessagesKeepTheirOrderWithTheSendersBroadcastsAcrossShards() {
        try (WsClient lille = WsClient.connect(n1.port(), "/"); WsClient brest = WsClient.connect(n2.port(), "/")) {
            lille.send("{\"type\":\"login\",\"name\":\"lille\"}");
            assertThat(lille.next()).startsWith("{\"type\":\"login_success\"");
            brest.send("{\"type\":\"login\",\"name\":\"brest\"}");
            assertThat(brest.next()).startsWith("{\"type\":\"login_success\"");
            assertThat(lille.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"brest\"}");
            // within the default 50 frames per second: a broadcast, then directs, alternating
            for (int i = 0; i < 40; i++) {
                lille.send(i % 4 == 0 ? "{\"type\":\"stream_stopped\",\"reason\":\"r" + i + "\"}"
                        : "{\"type\":\"candidate\",\"target\":\"brest\",\"i\":" + i + "}");
            }
            for (int i = 0; i < 40; i++) {
                assertThat(brest.next()).isEqualTo(i % 4 == 0
                        ? "{\"type\":\"stream_stopped\",\"from\":\"lille\",\"reason\":\"r" + i + "\"}"
                        : "{\"type\":\"candidate\",\"target\":\"brest\",\"i\":" + i + ",\"from\":\"lille\"}");
            }
        }
    }
}
