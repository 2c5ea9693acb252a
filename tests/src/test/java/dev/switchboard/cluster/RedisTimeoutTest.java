package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --redis-timeout}: a Redis that stops answering for longer than the timeout fails the step that waits on
 * it (a named-peer login is answered {@code unavailable}); one that answers within it only delays the step.
 * Redis is made slow with {@code CLIENT PAUSE} for {@value #PAUSE_MILLIS} ms, shorter than the failure timeout.
 */
class RedisTimeoutTest {
    private static final int PAUSE_MILLIS = 3000;
    private RedisServer redis;
    private Switchboard impatient;
    private Switchboard patient;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        impatient = TestNodes.start(TestNodes.config().nodeId("impatient").redisUri(redis.uri())
                .set(NodeOptions.REDIS_TIMEOUT, Duration.ofMillis(300)).build());
        patient = TestNodes.start(TestNodes.config().nodeId("patient").redisUri(redis.uri())
                .set(NodeOptions.REDIS_TIMEOUT, Duration.ofSeconds(60)).build());
    }

    @AfterEach
    void stop() {
        impatient.close();
        patient.close();
        redis.close();
    }

    /** Makes Redis hold every client's commands for {@code millis} (CLIENT PAUSE answers at once). */
    private void pauseRedis(int millis) {
        assertThat(redis.command("CLIENT", "PAUSE", Integer.toString(millis), "ALL")).isEqualTo("+OK\r\n");
    }

    @Test
    void aLoginWaitingLongerThanTheTimeoutIsAnsweredUnavailable() throws Exception {
        try (WsClient c = WsClient.connect(impatient.port(), "/")) {
            pauseRedis(PAUSE_MILLIS);
            c.send("{\"type\":\"login\",\"name\":\"alice\"}");
            assertThat(c.next()).contains("\"unavailable\"");
            assertThat(c.awaitClose(Duration.ofSeconds(30)).code()).isEqualTo(1011);
        }
    }

    @Test
    void aLoginWithinTheTimeoutWaitsForRedis() throws Exception {
        try (WsClient c = WsClient.connect(patient.port(), "/")) {
            pauseRedis(PAUSE_MILLIS);
            c.send("{\"type\":\"login\",\"name\":\"bob\"}");
            assertThat(c.next()).startsWith("{\"type\":\"login_success\",\"id\":\"bob\"");
        }
    }
}
