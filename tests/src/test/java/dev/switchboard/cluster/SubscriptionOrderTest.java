package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.internal.RedisLink;
import dev.switchboard.testkit.RedisServer;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The subscription connection's commands reach Redis in the order they were called, whatever thread calls them
 * (RedisLink#inOrder). Netty writes at once on a channel's own event loop and queues a write from another
 * thread: here an {@code UNSUBSCRIBE} called on another thread while the connection's loop is busy, then a
 * {@code SUBSCRIBE} called on that loop (a bus callback), would reach Redis in the other order and leave the
 * node unsubscribed from a channel it follows.
 */
class SubscriptionOrderTest {
    private static final byte[] CHANNEL = "order-test".getBytes(StandardCharsets.US_ASCII);

    @Test
    void anUnsubscribeThenASubscribeFromTheConnectionsOwnLoopLeaveItSubscribed() throws Exception {
        ExecutorService serial = Executors.newSingleThreadExecutor();
        // a callback of the subscription connection (its members read) runs on that connection's loop
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1)
                .build();
        try (RedisServer redis = RedisServer.start()) {
            RedisLink link = RedisLink.standalone(resources, redis.uri(), Duration.ofSeconds(2), Duration.ofSeconds(5),
                    null, "node", serial, null);
            List<String> received = new CopyOnWriteArrayList<>();
            link.onMessage((channel, message) -> received.add(new String(message, StandardCharsets.UTF_8)));
            link.subscribe(CHANNEL).toCompletableFuture().get(5, TimeUnit.SECONDS);

            CompletableFuture<Void> done = new CompletableFuture<>();
            link.members("order-test-room".getBytes(StandardCharsets.US_ASCII)).whenComplete((members, failure) -> {
                try {
                    // on the connection's loop: another thread unsubscribes (its write waits for this loop) ...
                    CountDownLatch called = new CountDownLatch(1);
                    new Thread(() -> {
                        link.unsubscribe(CHANNEL);
                        called.countDown();
                    }).start();
                    called.await(5, TimeUnit.SECONDS);
                    sleep(200); // the unsubscribe is on its way to this loop's queue
                    // ... then this loop subscribes again, after it
                    link.subscribe(CHANNEL);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
            done.get(10, TimeUnit.SECONDS);

            // whatever order the two took, the last one called must stand: a publish now arrives
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(redis.command("PUBLISH", "order-test", "hello")).isEqualTo(":1\r\n");
            });
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(received).contains("hello"));
            link.close();
        } finally {
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            serial.shutdownNow();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
