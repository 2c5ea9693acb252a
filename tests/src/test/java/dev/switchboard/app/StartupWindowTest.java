package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.support.HeldStart;
import dev.switchboard.testkit.LoopbackPorts;
import dev.switchboard.testkit.WsClient;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window between a node's public port answering and the node being ready: `switchboard serve` in its own
 * process on ports the test chose, /ready polled from the moment the process starts. The public port is bound
 * first and the gRPC server last, so /ready must say 503 "starting" until gRPC listens; and a SIGTERM that comes
 * in that window (held open by {@link HeldStart}) must drain the node as one after it does (close frames,
 * "stopped", exit 143), not let the JVM exit under the start.
 */
class StartupWindowTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void readyOnlyOnceTheGrpcServerListens() throws Exception {
        try (Serve node = Serve.start()) {
            for (int polls = 0; ; polls++) {
                HttpResponse<String> ready = node.ready();
                if (ready != null && ready.statusCode() == 200) {
                    try (Socket grpc = new Socket("127.0.0.1", node.grpcPort)) {
                        assertThat(grpc.isConnected()).isTrue();
                    } catch (ConnectException e) {
                        throw new AssertionError("/ready answered 200 before the gRPC port listened, after " + polls
                                + " polls\n" + node.log(), e);
                    }
                    break;
                }
                if (ready != null) {
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(JSON.readTree(ready.body()).get("reason").asText()).isEqualTo("starting");
                }
                node.assertAlive();
                Thread.sleep(5);
            }
        }
    }

    @Test
    void aSigtermDuringStartUpDrainsTheNode(@TempDir Path dir) throws Exception {
        // the start is held open (HeldStart) until the test lets it go: the window, as long as the test needs it
        Path release = dir.resolve("release");
        try (Serve node = Serve.start("-D" + HeldStart.PROPERTY + "=" + release)) {
            HttpResponse<String> ready = null;
            while (ready == null) {
                node.assertAlive();
                Thread.sleep(20);
                ready = node.ready();
            }
            assertThat(ready.statusCode()).as("/ready while the start is held").isEqualTo(503);
            assertThat(JSON.readTree(ready.body()).get("reason").asText()).isEqualTo("starting");
            try (WsClient client = WsClient.connect(node.port, "/")) {
                client.send("{\"type\":\"ping\"}");
                assertThat(client.next()).as("served while starting").isEqualTo("{\"type\":\"pong\"}");
                node.process.destroy(); // SIGTERM, while the node is still starting
                // the node waits for its start rather than exiting under it
                assertThat(node.process.waitFor(2, TimeUnit.SECONDS)).as(node.log()).isFalse();
                assertThat(client.isOpen()).isTrue();
                Files.createFile(release);
                assertThat(client.awaitClose(Duration.ofSeconds(60))).as(node.log())
                        .isEqualTo(new WsClient.CloseStatus(1001, "Server shutting down"));
            }
            assertThat(node.process.waitFor(60, TimeUnit.SECONDS)).as(node.log()).isTrue();
            assertThat(node.process.exitValue()).as(node.log()).isEqualTo(143);
            String log = node.log();
            assertThat(log).contains("ready on port").contains("shutting down: 1 connections to close").contains("stopped");
            assertThat(log.indexOf("shutting down")).as("the drain comes after the start").isGreaterThan(log.indexOf("ready on port"));
        }
    }

    /** `switchboard serve` on two free loopback ports, public and gRPC; returns as soon as the process runs. */
    private static final class Serve implements AutoCloseable {
        final int port = LoopbackPorts.candidate();
        final int grpcPort = LoopbackPorts.candidate();
        final Process process;
        final File log;

        private Serve(String... jvmOptions) throws IOException {
            String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
            cmd.addAll(List.of(jvmOptions));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                    "--host", "127.0.0.1", "--port", Integer.toString(port), "--grpc-port", Integer.toString(grpcPort),
                    "--drain-timeout", "10s"));
            log = File.createTempFile("switchboard-startup", ".log");
            log.deleteOnExit();
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        }

        static Serve start(String... jvmOptions) throws IOException {
            return new Serve(jvmOptions);
        }

        /** /ready's answer, or null while nothing listens on the public port. */
        HttpResponse<String> ready() throws InterruptedException {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException notListening) {
                return null;
            }
        }

        void assertAlive() {
            assertThat(process.isAlive()).as("the node exited: " + log()).isTrue();
        }

        String log() {
            try {
                return Files.readString(log.toPath());
            } catch (IOException e) {
                return e.toString();
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
