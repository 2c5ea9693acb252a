package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.core.RoomKey;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Redis closes the subscription of a node that falls too far behind on its reads (its
 * {@code client-output-buffer-limit pubsub}); docs/design/cluster-bus.md#a-subscriber-that-falls-behind. Here
 * the limit is made tiny and a node is stopped (SIGSTOP) while megabytes are published to a room it follows:
 * the node must count the loss in /metrics, say why once in its log, and recover: subscribe again, keep its
 * members registered, and receive what is sent after.
 */
class SubscriberFallsBehindTest {
    private static final RoomKey ROOM = new RoomKey("y-webrtc", "room");
    private static final Pattern LOST = Pattern.compile("(?m)^switchboard_cluster_subscription_lost_total (\\S+)$");

    @Test
    void aNodeDroppedForFallingBehindCountsItAndRecovers() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            assertThat(redis.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 32kb 1"))
                    .startsWith("+OK");
            // a failure timeout far past the pause: the node must not be taken for dead, only fall behind
            try (Switchboard publisher = TestNodes.start(TestNodes.config().nodeId("publisher")
                         .redisUri(redis.uri()).failureTimeout(Duration.ofSeconds(60)).build());
                 NodeProcess slow = NodeProcess.start("--node-id", "slow", "--redis", redis.uri(),
                         "--failure-timeout", "60s");
                 WsClient local = ClusterFailureTest.subscriber(publisher.port());
                 WsClient remote = ClusterFailureTest.subscriber(slow.port());
                 WsClient flooded = WsClient.connect(slow.port(), "/")) {
                flooded.send("{\"type\":\"subscribe\",\"topics\":[\"flood\"]}");
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> publisher.hub().knownCount(ROOM) == 2 && subscribers(redis, "flood") == 1);
                assertThat(lost(slow)).isZero();

                slow.pause();
                try {
                    flood(redis, "switchboard:c:{y-webrtc:flood}", 32 * 1024);
                    // Redis drops the stopped subscriber once its output passes the limit
                    await().atMost(Duration.ofSeconds(30)).until(() -> subscribers(redis, "flood") == 0);
                } finally {
                    slow.resume();
                }

                await().atMost(Duration.ofSeconds(30)).until(() -> lost(slow) == 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> slow.output().stream()
                        .anyMatch(l -> l.contains("Redis closed this node's subscription")));
                assertThat(slow.output().stream().filter(l -> l.contains("Redis closed this node's subscription")))
                        .hasSize(1);
                // back: subscribed again, still registered, and what is sent now arrives
                await().atMost(Duration.ofSeconds(30)).until(() -> subscribers(redis, "flood") == 1
                        && redis.command("HLEN", "switchboard:m:{y-webrtc:room}").equals(":2\r\n"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    local.send("{\"type\":\"publish\",\"topic\":\"room\",\"after\":1}");
                    local.poll(Duration.ofMillis(20));
                    WsClient.Message m;
                    while ((m = remote.poll(Duration.ofMillis(200))) != null) {
                        if (m.text().contains("\"after\":1")) {
                            return true;
                        }
                    }
                    return false;
                });
                assertThat(lost(publisher.port())).isZero();
            }
        }
    }

    /**
     * Publishes {@code count} broadcasts of 1 KiB on {@code channel}, pipelined on one connection, as another
     * node would (32 MiB: far more than the sockets between Redis and a stopped node can hold).
     */
    private static void flood(RedisServer redis, String channel, int count) throws IOException {
        byte[] message = ("M\nelsewhere\n\n" + "x".repeat(1024)).getBytes(StandardCharsets.UTF_8);
        byte[] ch = channel.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        one.write(("*3\r\n$7\r\nPUBLISH\r\n$" + ch.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        one.write(ch);
        one.write(("\r\n$" + message.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        one.write(message);
        one.write("\r\n".getBytes(StandardCharsets.UTF_8));
        byte[] command = one.toByteArray();
        try (Socket s = new Socket("127.0.0.1", redis.port())) {
            Thread reader = new Thread(() -> {
                try (InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // the socket closed
                }
            });
            reader.start();
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            for (int i = 0; i < count; i++) {
                out.write(command);
            }
            out.flush();
            s.shutdownOutput();
            reader.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long lost(NodeProcess node) {
        return lost(node.port());
    }

    private static long lost(int port) {
        Matcher m = LOST.matcher(Http.get(port, "/metrics").body());
        assertThat(m.find()).as("switchboard_cluster_subscription_lost_total in /metrics").isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    /** The nodes subscribed to a y-webrtc room's channel. */
    private static int subscribers(RedisServer redis, String room) {
        String reply = redis.command("PUBSUB", "NUMSUB", "switchboard:c:{y-webrtc:" + room + "}").trim();
        return Integer.parseInt(reply.substring(reply.lastIndexOf(':') + 1));
    }
}
