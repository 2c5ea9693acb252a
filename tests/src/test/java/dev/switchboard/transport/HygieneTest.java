package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.support.ProjectFiles;
import dev.switchboard.testkit.ClientFrames;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RawHttp;
import dev.switchboard.testkit.RawUpgrade;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Protocol hygiene (issue "Survive hostile clients"): what a client sends that no well-behaved client does. */
class HygieneTest {
    /** A masked client frame: FIN, {@code opcode}, a zero mask. */
    private static byte[] frame(int opcode, byte[] payload) {
        return ClientFrames.frame(ClientFrames.FIN | opcode, payload);
    }

    @Test
    void aCloseCodeNoEndpointMaySendIsAnsweredWith1002NotEchoed() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            for (int code : new int[] {5000, 1005, 999, 2000}) {
                try (RawUpgrade ws = RawUpgrade.open(node.port(), "/")) {
                    ws.sendRaw(frame(8, new byte[] {(byte) (code >> 8), (byte) code}));
                    // Netty's decoder refuses some of these itself, in its own words; the rest are refused here
                    assertThat(ws.nextFrame()).as("code %d", code).startsWith("8:1002 Invalid close");
                }
            }
            try (RawUpgrade ws = RawUpgrade.open(node.port(), "/")) {
                ws.sendRaw(frame(8, new byte[] {(byte) (4321 >> 8), (byte) 4321}));
                assertThat(ws.nextFrame()).as("an application code is echoed").isEqualTo("8:4321 ");
            }
        }
    }

    @Test
    void theHttp2PrefaceIsNotAnsweredAsHttp11() throws Exception {
        try (Switchboard node = TestNodes.start(); Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 505");
        }
    }

    @Test
    void anUpgradeWithoutAValidKeyIsRefusedAndNeverCountedAsOpen() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            for (String key : new String[] {null, "", "not base64 at all!!!!!!!", "c2hvcnQ=", "dGhlIHNhbXBsZSBub25jZQ==x"}) {
                try (Socket s = new Socket("127.0.0.1", node.port())) {
                    s.setSoTimeout(5000);
                    String request = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + (key == null ? "" : "Sec-WebSocket-Key: " + key + "\r\n") + "Sec-WebSocket-Version: 13\r\n\r\n";
                    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                    assertThat(status).as("key %s", key).isEqualTo("HTTP/1.1 400");
                }
            }
            assertThat(Http.get(node.port(), "/health").body()).contains("\"clientCount\":0");
        }
    }

    @Test
    void aClientThatPingsWithoutReadingCannotQueuePongsWithoutBound() throws Exception {
        int cap = 64 * 1024;
        try (Switchboard node = TestNodes.start(TestNodes.config().maxOutboundBytes(cap).build());
             RawUpgrade flooder = RawUpgrade.open(node.port(), "/");
             WsClient bystander = WsClient.connect(node.port(), "/")) {
            byte[] burst = ClientFrames.repeat(frame(9, new byte[125]), 1000);
            // 100,000 pings (13 MB of pongs if all were answered); the flooder reads nothing
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 100; i++) {
                        flooder.sendRaw(burst);
                    }
                } catch (IOException e) {
                    // the server may stop reading a socket it has nothing more to say to
                }
            });
            writer.start();
            writer.join(TimeUnit.MINUTES.toMillis(2));
            // everything sent has been read by the server (its pings counted), yet little waits for the flooder
            await().atMost(Duration.ofSeconds(60)).until(() -> Http.get(node.port(), "/metrics").body()
                    .contains("switchboard_refused_total{dialect=\"unidentified\",reason=\"pong_not_sent\"}"));
            assertThat(node.queuedBytes()).isLessThanOrEqualTo(cap + 1024);
            bystander.send("{\"type\":\"ping\"}");
            assertThat(bystander.next()).isEqualTo("{\"type\":\"pong\"}");
        }
    }

    @Test
    void halfAFragmentedMessageIsDroppedWhenItOutlivesAPingInterval() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().pingInterval(Duration.ofMillis(300)).build());
             RawUpgrade ws = RawUpgrade.open(node.port(), "/")) {
            // text, not final
            ws.sendRaw(ClientFrames.frame(ClientFrames.TEXT, "{\"typ".getBytes(StandardCharsets.US_ASCII)));
            String frame;
            do {
                frame = ws.nextFrame(); // pings come first; this client answers none, but it is "alive": it sent data
                if (frame.startsWith("9:")) {
                    ws.sendRaw(frame(10, new byte[0]));
                }
            } while (frame.startsWith("9:"));
            assertThat(frame).isEqualTo("8:1008 Message not completed in time");
        }
    }

    @Test
    void theLauncherMakesTheJvmExitOnOutOfMemory() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of("./switchboard", "--version")).directory(ProjectFiles.root().toFile())
                .redirectErrorStream(true);
        pb.environment().put("JAVA_OPTS", "-XX:+PrintCommandLineFlags");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("-XX:+ExitOnOutOfMemoryError").contains("switchboard ");
    }

    /**
     * A real OutOfMemoryError under the launcher: a heap too small for the node to start runs out, and the JVM
     * ends with exit code 3 and says why, instead of living on with dead threads (what a supervisor needs to
     * restart it).
     */
    @Test
    void anOutOfMemoryErrorEndsTheProcess() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of("./switchboard", "serve", "--host", "127.0.0.1", "--port", "0",
                "--grpc-port", "-1")).directory(ProjectFiles.root().toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_OPTS", "-Xmx8m");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(3);
        assertThat(out).contains("Terminating due to java.lang.OutOfMemoryError");
    }

    @Test
    void aClientThatPipelinesRequestsWithoutReadingIsReadNoFurther() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().maxOutboundBytes(64 * 1024).build());
             Socket s = new Socket("127.0.0.1", node.port())) {
            byte[] requests = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicReference<IOException> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 300; i++) { // 100 MB of requests, 3 million answers if all were read
                        out.write(requests);
                        written.addAndGet(requests.length);
                    }
                } catch (IOException e) {
                    failure.set(e); // closed at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            // the writer stalls once the server stops reading and the kernel's buffers are full, or is cut off
            // (Netty's HTTP codec closes a connection with more than 128 requests waiting for their answers)
            long[] last = {-1};
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                long now = written.get();
                boolean stalled = now == last[0];
                last[0] = now;
                return stalled;
            });
            assertThat(writer.isAlive() || failure.get() != null)
                    .as("the server stopped reading, or closed: %d bytes written", written.get()).isTrue();
            assertThat(written.get()).isLessThan(50L * 1024 * 1024);
            assertThat(Http.get(node.port(), "/health").statusCode()).as("others are served").isEqualTo(200);
        }
    }

    /**
     * The next byte from {@code s}, or -1 at its end, also when the end is a reset: a socket closed while a byte
     * the client just sent was still unread ends with RST rather than FIN, and either is "closed".
     */
    private static int readOrReset(Socket s) throws IOException {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketException reset) {
            assertThat(reset.getMessage()).contains("reset");
            return -1;
        }
    }

    /** Slowloris: a request trickled a byte at a time is closed at the deadline, though every byte is new input. */
    @Test
    void aRequestTrickledByteByByteIsClosedAtTheHandshakeTimeout() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().handshakeTimeout(Duration.ofSeconds(1)).build());
             Socket slow = new Socket("127.0.0.1", node.port())) {
            slow.setSoTimeout(30_000);
            OutputStream out = slow.getOutputStream();
            out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 600; i++) { // two minutes of one header byte every 200 ms
                        out.write('X');
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server closed the socket: what the test waits for
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            assertThat(readOrReset(slow)).as("closed without an answer").isEqualTo(-1);
            trickle.interrupt();

            // a well-behaved keep-alive client: each request whole, answered, the deadline starting afresh
            try (Socket keepAlive = new Socket("127.0.0.1", node.port())) {
                keepAlive.setSoTimeout(10_000);
                for (int i = 0; i < 2; i++) {
                    keepAlive.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(RawHttp.readResponse(keepAlive.getInputStream())).startsWith("HTTP/1.1 200 OK\n");
                }
            }
            assertThat(Http.get(node.port(), "/metrics").body())
                    .contains("switchboard_upgrades_refused_total{reason=\"timeout\"}");
        }
    }
}
