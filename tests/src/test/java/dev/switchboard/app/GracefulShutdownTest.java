package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.WsClient;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The real command in its own process: `switchboard serve` on a free port, then SIGTERM. Clients get 1001
 * "Server shutting down" and the process exits within the drain time.
 */
class GracefulShutdownTest {
    private static final Pattern LISTENING = Pattern.compile("ready on port (\\d+)");

    private static int awaitPort(File log, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && process.isAlive()) {
            for (String line : Files.readAllLines(log.toPath())) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("node did not start: " + Files.readAllLines(log.toPath()));
    }

    @Test
    void sigtermClosesSocketsWith1001AndExitsWithinDrainTime() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "0", "--drain-timeout", "5s"));
        File log = File.createTempFile("switchboard-serve", ".log");
        log.deleteOnExit();
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        try {
            int p = awaitPort(log, process);
            assertThat(Http.get(p, "/ready").statusCode()).isEqualTo(200);
            try (WsClient a = WsClient.connect(p, "/"); WsClient b = WsClient.connect(p, "/room")) {
                a.send("{\"type\":\"ping\"}");
                assertThat(a.next()).isEqualTo("{\"type\":\"pong\"}");
                long start = System.nanoTime();
                process.destroy(); // SIGTERM
                WsClient.CloseStatus sa = a.awaitClose(Duration.ofSeconds(5));
                WsClient.CloseStatus sb = b.awaitClose(Duration.ofSeconds(5));
                assertThat(process.waitFor(6, TimeUnit.SECONDS)).as("exited within the drain time").isTrue();
                assertThat(sa).as(String.join("\n", Files.readAllLines(log.toPath())))
                        .isEqualTo(new WsClient.CloseStatus(1001, "Server shutting down"));
                assertThat(sb.code()).isEqualTo(1001);
                assertThat(process.waitFor(6, TimeUnit.SECONDS)).as("exited within the drain time").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
            }
            List<String> output = Files.readAllLines(log.toPath());
            assertThat(output).anyMatch(l -> l.contains("shutting down: 2 connections to close"));
            assertThat(output).anyMatch(l -> l.contains("stopped"));
        } finally {
            process.destroyForcibly();
        }
    }
}
