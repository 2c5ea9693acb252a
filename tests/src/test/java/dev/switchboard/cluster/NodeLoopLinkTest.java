package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.internal.NodeLoops;
import dev.switchboard.cluster.internal.RedisLink;
import dev.switchboard.testkit.RedisServer;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bus's connections on one of the node's own event loops (cluster/internal/NodeLoops): a message from Redis
 * is handled on that loop, a turn's publishes there leave with no hand-off, and commands made on other threads
 * keep their call order with the ones the loop makes itself, which Netty alone would not (it writes at once on
 * the channel's loop and queues a write from elsewhere behind the loop's current work).
 */
class NodeLoopLinkTest {
    private static final byte[] CHANNEL = "node-loop-test".getBytes(StandardCharsets.US_ASCII);
    private RedisServer redis;
    private EventLoopGroup loops;
    private EventLoop loop;
    private ClientResources resources;
    private ExecutorService serial;
    private RedisLink link;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Boolean> receivedOnLoop = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        loops = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        NodeLoops nodeLoops = NodeLoops.of(loops);
        assertThat(nodeLoops).as("Lettuce makes epoll channels here").isNotNull();
        loop = nodeLoops.loop();
        resources = DefaultClientResources.builder().eventLoopGroupProvider(nodeLoops).computationThreadPoolSize(1)
                .build();
        serial = Executors.newSingleThreadExecutor();
        link = RedisLink.standalone(resources, redis.uri(), Duration.ofSeconds(2), Duration.ofSeconds(5), null,
                "node", serial, loop);
        link.onMessage((channel, message) -> {
            receivedOnLoop.add(loop.inEventLoop());
            received.add(new String(message, StandardCharsets.UTF_8));
        });
        link.subscribe(CHANNEL).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        link.close();
        resources.shutdown(0, 1, TimeUnit.SECONDS);
        serial.shutdownNow();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        redis.close();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void messagesFromRedisAreHandledOnTheNodesLoop() {
        assertThat(redis.command("PUBLISH", "node-loop-test", "from-elsewhere")).isEqualTo(":1\r\n");
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(received).containsExactly("from-elsewhere"));
        assertThat(receivedOnLoop).containsExactly(true);
    }

    @Test
    void aCommandMadeOnAnotherThreadStaysAheadOfWhatTheLoopSendsAfterIt() throws Exception {
        byte[] key = text("node-loop-test-key");
        loop.submit(() -> {
            // another thread publishes while the loop is busy: its write cannot leave before the loop's turn ends
            CompletableFuture<Void> elsewhere = CompletableFuture.runAsync(() -> link.publish(CHANNEL, text("first")));
            elsewhere.join();
            // then the loop publishes and sends a command, which flushes at once on the loop: "first" must lead
            link.publish(CHANNEL, text("second"));
            link.sadd(key, text("x"));
            link.publish(CHANNEL, text("third"));
        }).get(5, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(received).containsExactly("first", "second", "third"));
    }

    @Test
    void anotherLoopsPublishesGoOutInOrderThroughTheConnectionsLoop() throws Exception {
        EventLoop other = loops.next();
        if (other == loop) {
            other = loops.next();
        }
        assertThat(other).isNotSameAs(loop);
        other.submit(() -> {
            for (int i = 0; i < 100; i++) {
                link.publish(CHANNEL, text("o" + i));
            }
        }).get(5, TimeUnit.SECONDS);
        loop.submit(() -> link.publish(CHANNEL, text("last"))).get(5, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 101);
        for (int i = 0; i < 100; i++) {
            assertThat(received.get(i)).isEqualTo("o" + i);
        }
        assertThat(received.get(100)).isEqualTo("last");
    }

    @Test
    void aTurnsPublishesOnTheConnectionsLoopLeaveWhenTheTurnEnds() throws Exception {
        loop.submit(() -> {
            for (int i = 0; i < 5; i++) {
                link.publish(CHANNEL, text("m" + i));
            }
            sleep(300);
            assertThat(received).isEmpty(); // the turn is not over: nothing was written
        }).get(5, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(received).containsExactly("m0", "m1", "m2", "m3", "m4"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
