package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.internal.RedisLink;
import dev.switchboard.testkit.RedisServer;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.DefaultEventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Over one Redis the bus's command connection sends the publishes an event loop makes in one turn together, at
 * the turn's end (cluster/internal/CommandFlusher), and any other command at once with the publishes before it.
 */
class PublishBatchingTest {
    private static final byte[] CHANNEL = "batching-test".getBytes(StandardCharsets.US_ASCII);
    private RedisServer redis;
    private ClientResources resources;
    private RedisLink publisher;
    private RedisLink subscriber;
    private DefaultEventLoop loop;
    private final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
        publisher = RedisLink.standalone(resources, redis.uri(), Duration.ofSeconds(2), Duration.ofSeconds(5), null,
                "publisher", Runnable::run, null);
        subscriber = RedisLink.standalone(resources, redis.uri(), Duration.ofSeconds(2), Duration.ofSeconds(5), null,
                "subscriber", Runnable::run, null);
        subscriber.onMessage((channel, message) -> received.add(new String(message, StandardCharsets.UTF_8)));
        subscriber.subscribe(CHANNEL).toCompletableFuture().get(5, TimeUnit.SECONDS);
        loop = new DefaultEventLoop();
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        publisher.close();
        subscriber.close();
        resources.shutdown(0, 1, TimeUnit.SECONDS);
        redis.close();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void publishesOfOneLoopTurnGoOutWhenTheTurnEnds() throws Exception {
        loop.submit(() -> {
            for (int i = 0; i < 5; i++) {
                publisher.publish(CHANNEL, text("m" + i));
            }
            // still in the turn: nothing has been sent, so nothing can have arrived
            sleep(300);
            assertThat(received).isEmpty();
        }).get(5, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(received).containsExactly("m0", "m1", "m2", "m3", "m4"));
    }

    @Test
    void anotherCommandTakesTheTurnsPublishesAlongInOrder() throws Exception {
        byte[] key = text("batching-test-key");
        loop.submit(() -> {
            publisher.publish(CHANNEL, text("before"));
            // a command that is not a publish is sent at once, and the publish ahead of it with it
            long added = get(publisher.sadd(key, text("x")));
            assertThat(added).isEqualTo(1);
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(received).containsExactly("before"));
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aTurnWithABacklogFlushesEarly() throws Exception {
        loop.submit(() -> {
            for (int i = 0; i < 100; i++) { // more than a turn holds back (CommandFlusher.FLUSH_EARLY_COMMANDS, 64)
                publisher.publish(CHANNEL, text("b" + i));
            }
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> received.size() >= 64);
            assertThat(received).hasSizeLessThan(100);
        }).get(10, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 100);
        for (int i = 0; i < 100; i++) {
            assertThat(received.get(i)).isEqualTo("b" + i);
        }
    }

    @Test
    void offAnEventLoopAPublishGoesOutAtOnce() {
        publisher.publish(CHANNEL, text("now"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(received).containsExactly("now"));
    }

    @Test
    void aPublishMadeOnLettucesOwnThreadGoesOut() {
        // a callback of the bus runs on Lettuce's thread, where a flush must not run (CommandFlusher): it is handed on
        publisher.sadd(text("batching-test-callback"), text("x"))
                .thenAccept(added -> publisher.publish(CHANNEL, text("from-callback")));
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(received).containsExactly("from-callback"));
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
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
