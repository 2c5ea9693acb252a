package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** y-webrtc across three real nodes sharing a real Redis: delivery, cluster-wide counts, order, graceful leave. */
class YWebrtcClusterTest {
    private RedisServer redis;
    private final List<Switchboard> nodes = new ArrayList<>();

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        for (String id : List.of("n1", "n2", "n3")) {
            // the tests send thousands of messages in a burst, past any client's message budget
            nodes.add(TestNodes.start(TestNodes.config().nodeId(id).redisUri(redis.uri())
                    .set(NodeOptions.MESSAGE_RATE, 0).build()));
        }
    }

    @AfterEach
    void stop() {
        nodes.forEach(Switchboard::close);
        redis.close();
    }

    private WsClient client(int node, String topic) {
        WsClient c = WsClient.connect(nodes.get(node).port(), "/");
        c.send("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
        c.send("{\"type\":\"ping\"}");
        assertThat(c.next()).isEqualTo("{\"type\":\"pong\"}");
        return c;
    }

    @Test
    void publishReachesSubscribersOnEveryNodeWithClusterWideCount() {
        try (WsClient a = client(0, "room"); WsClient b = client(1, "room"); WsClient c = client(2, "room")) {
            await().until(() -> nodes.get(0).hub().knownCount(
                    new dev.switchboard.core.RoomKey("y-webrtc", "room")) == 3);
            a.send("{\"type\":\"publish\",\"topic\":\"room\",\"data\":{\"from\":\"a\"}}");
            String expected = "{\"type\":\"publish\",\"topic\":\"room\",\"data\":{\"from\":\"a\"},\"clients\":3}";
            assertThat(a.next()).isEqualTo(expected);
            assertThat(b.next()).isEqualTo(expected);
            assertThat(c.next()).isEqualTo(expected);
        }
    }

    @Test
    void publisherOnANodeWithoutSubscribersStillReachesThem() throws Exception {
        try (WsClient a = client(0, "room"); WsClient b = client(1, "room");
             WsClient p = WsClient.connect(nodes.get(2).port(), "/")) {
            // y-webrtc does not acknowledge a subscribe: wait until both joins are known cluster-wide
            await().until(() -> nodes.get(0).hub().knownCount(
                    new dev.switchboard.core.RoomKey("y-webrtc", "room")) == 2);
            p.send("{\"type\":\"publish\",\"topic\":\"room\",\"x\":1}");
            String expected = "{\"type\":\"publish\",\"topic\":\"room\",\"x\":1,\"clients\":2}";
            assertThat(a.next()).isEqualTo(expected);
            assertThat(b.next()).isEqualTo(expected);
            assertThat(p.poll(Duration.ofMillis(300))).isNull();
        }
    }

    @Test
    void tenThousandSequencedMessagesArriveInOrderAcrossNodes() {
        try (WsClient a = client(0, "seq"); WsClient b = client(1, "seq"); WsClient c = client(2, "seq")) {
            await().until(() -> nodes.get(0).hub().knownCount(
                    new dev.switchboard.core.RoomKey("y-webrtc", "seq")) == 3);
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                a.send("{\"type\":\"publish\",\"topic\":\"seq\",\"i\":" + i + "}");
            }
            for (WsClient r : List.of(b, c)) {
                for (int i = 0; i < n; i++) {
                    String m = r.next();
                    assertThat(m).isEqualTo("{\"type\":\"publish\",\"topic\":\"seq\",\"i\":" + i + ",\"clients\":3}");
                }
            }
        }
    }

    @Test
    void aPublishRightAfterSubscribingOnANodeNewToTheTopicCountsTheOtherNodesSubscribers() {
        // several topics: each is a fresh race between the new node's first read of the cluster and the publish
        for (int i = 0; i < 5; i++) {
            String topic = "fresh" + i;
            try (WsClient a1 = client(0, topic); WsClient a2 = client(0, topic);
                 WsClient b = WsClient.connect(nodes.get(1).port(), "/")) {
                await().until(() ->
                        redis.command("HLEN", "switchboard:m:{y-webrtc:" + topic + "}").equals(":2\r\n"));
                b.send("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
                b.send("{\"type\":\"publish\",\"topic\":\"" + topic + "\",\"n\":1}");
                b.send("{\"type\":\"publish\",\"topic\":\"" + topic + "\",\"n\":2}");
                for (WsClient r : List.of(a1, a2, b)) {
                    for (int n = 1; n <= 2; n++) {
                        assertThat(r.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"" + topic + "\",\"n\":"
                                + n + ",\"clients\":3}");
                    }
                }
            }
        }
    }

    @Test
    void gracefulStopRemovesTheNodesMembersAtOnce() {
        try (WsClient a = client(0, "room"); WsClient b = client(1, "room")) {
            dev.switchboard.core.RoomKey key = new dev.switchboard.core.RoomKey("y-webrtc", "room");
            await().until(() -> nodes.get(0).hub().knownCount(key) == 2);
            nodes.get(1).close();
            await().until(() -> nodes.get(0).hub().knownCount(key) == 1);
            assertThat(redis.command("HLEN", "switchboard:m:{y-webrtc:room}")).isEqualTo(":1\r\n");
        }
    }
}
