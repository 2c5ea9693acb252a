package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.WsClient;
import org.junit.jupiter.api.Test;

/**
 * `serve` runs without Netty's leak detector unless told otherwise (it costs CPU on every message path even
 * when sampled), and `--leak-detection` turns it on for a node under suspicion.
 */
class LeakDetectionOptionTest {

    @Test
    void offByDefaultAndOnWhenAsked() {
        try (NodeProcess plain = NodeProcess.start()) {
            assertThat(plain.output()).anyMatch(line -> line.contains("buffer leak detection: disabled"));
        }
        try (NodeProcess tracked = NodeProcess.start("--leak-detection", "PARANOID");
             WsClient a = WsClient.connect(tracked.port(), "/");
             WsClient b = WsClient.connect(tracked.port(), "/")) {
            assertThat(tracked.output()).anyMatch(line -> line.contains("buffer leak detection: paranoid"));
            a.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}").send("{\"type\":\"ping\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"pong\"}");
            b.send("{\"type\":\"publish\",\"topic\":\"t\",\"data\":1}");
            assertThat(a.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"t\",\"data\":1,\"clients\":1}");
        }
    }
}
