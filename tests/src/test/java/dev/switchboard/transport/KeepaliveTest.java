package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Point 6 of docs/protocols/y-webrtc.md#compatibility-checklist with the ping interval scaled down from 30 s to
 * 400 ms: a peer that answers WebSocket pings stays, one that does not is closed within two intervals with a
 * close frame without status (1005), as the upstream server does.
 */
class KeepaliveTest {
    private static final Duration INTERVAL = Duration.ofMillis(400);
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.config().pingInterval(INTERVAL).build());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void peerAnsweringPingsStaysAndSilentPeerIsClosed() throws Exception {
        try (WsClient live = WsClient.connect(node.port(), "/", true);
             WsClient dead = WsClient.connect(node.port(), "/", false)) {
            long start = System.nanoTime();
            // how soon is the server's timing, measured where timing belongs (not here): the test asks only that
            // the silent peer is closed, and not before its first ping went unanswered for an interval
            WsClient.CloseStatus status = dead.awaitClose(Duration.ofSeconds(30));
            long elapsed = System.nanoTime() - start;
            assertThat(status.code()).isEqualTo(WsClient.CloseStatus.NO_STATUS);
            assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(INTERVAL);
            assertThat(dead.pingsReceived()).isGreaterThanOrEqualTo(1);

            Thread.sleep(INTERVAL.multipliedBy(4).toMillis()); // > 3 intervals, like the 90 s of the checklist
            assertThat(live.isOpen()).isTrue();
            assertThat(live.pingsReceived()).isGreaterThanOrEqualTo(3);
            live.send("{\"type\":\"ping\"}");
            assertThat(live.next()).isEqualTo("{\"type\":\"pong\"}");
        }
        assertThat(node.metrics().scrape()).contains("switchboard_closes_total{reason=\"ping_timeout\"} 1.0");
    }
}
