package dev.switchboard.dialect.ywebrtc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.testkit.Http;
import dev.switchboard.support.NodeScript;
import dev.switchboard.support.ProjectFiles;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Byte-for-byte parity with the real thing: the same script of client frames is played against the stock
 * y-webrtc server (npm y-webrtc 10.3.0, bin/server.js, unmodified, bound to loopback) and against
 * Switchboard, and every client must receive exactly the same frames, in the same order, from both. The
 * frames are what real clients send (JSON.stringify output) plus the bad input the stock server survives.
 */
class YWebrtcUpstreamParityTest {
    private static Process upstream;
    private static int upstreamPort;
    private static Switchboard node;

    @BeforeAll
    static void startBoth() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            upstreamPort = s.getLocalPort();
        }
        File dir = ProjectFiles.module().resolve("src/test/browser").toFile();
        if (!new File(dir, "node_modules/y-webrtc/bin/server.js").exists()) {
            throw new IllegalStateException("y-webrtc is not installed: run scripts/test-deps.sh");
        }
        ProcessBuilder pb = new ProcessBuilder("node", "upstream-ywebrtc.mjs").directory(dir)
                .redirectErrorStream(true).redirectOutput(File.createTempFile("upstream-ywebrtc", ".log"));
        pb.environment().put("PORT", Integer.toString(upstreamPort));
        upstream = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!answersOkay(upstreamPort)) {
            if (System.nanoTime() > deadline || !upstream.isAlive()) {
                throw new IllegalStateException("the stock y-webrtc server did not start");
            }
            Thread.sleep(100);
        }
        node = TestNodes.start();
    }

    private static boolean answersOkay(int port) {
        try {
            return Http.get(port, "/").body().equals("okay");
        } catch (IllegalStateException notYet) {
            return false;
        }
    }

    @AfterAll
    static void stopBoth() {
        if (upstream != null) {
            upstream.destroyForcibly();
        }
        if (node != null) {
            node.close();
        }
    }

    /** One step of the script: client {@code from} sends {@code frame} (as binary when {@code binary}). */
    private record Step(int from, String frame, boolean binary) {
        static Step text(int from, String frame) {
            return new Step(from, frame, false);
        }
    }

    private static final List<Step> SCRIPT = List.of(
            Step.text(0, "{\"type\":\"subscribe\",\"topics\":[\"room1\",\"room2\"]}"),
            Step.text(1, "{\"type\":\"subscribe\",\"topics\":[\"room1\"]}"),
            // the y-webrtc client's own messages
            Step.text(2, "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"type\":\"announce\",\"from\":\"8a0f4b2e-6c1d-4f7a-9e3b-2d5c8a1f0e7b\"}}"),
            Step.text(0, "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"to\":\"b3c1\",\"from\":\"8a0f\",\"type\":\"signal\","
                    + "\"token\":1714300000000.6282,\"signal\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\n\"}}}"),
            Step.text(1, "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"to\":\"8a0f\",\"from\":\"b3c1\",\"type\":\"signal\","
                    + "\"token\":1714300000001.12,\"signal\":{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\",\"sdpMLineIndex\":0,\"sdpMid\":\"0\"}}}}"),
            Step.text(0, "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":\"B0FFUy1HQ00MyVvHhZEUANBbeO6UK+eZr8EBIAO12l/69FIPON2Zy9ysiXTetpOmQDj0kQJNu4i7oHlFE9PB9jE=\"}"),
            // clients overwritten in place, unknown members kept, any JSON value kept as sent
            Step.text(0, "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"x\":1},\"clients\":99,\"extra\":\"x\"}"),
            Step.text(1, "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"a\":[1,2.5,-3e-7,true,false,null,\"é😀\\\"\\\\\\n\"],\"b\":{}},\"z\":[]}"),
            // a publisher that is not subscribed; a topic only another client holds
            Step.text(1, "{\"type\":\"publish\",\"topic\":\"room2\",\"data\":{\"n\":1}}"),
            Step.text(2, "{\"type\":\"publish\",\"topic\":\"nobody-here\",\"data\":{}}"),
            // binary frames are read like text; answers are text
            new Step(2, "{\"type\":\"publish\",\"topic\":\"room2\",\"data\":{\"bin\":true}}", true),
            // duplicates, non-string topics, unsubscribe
            Step.text(2, "{\"type\":\"subscribe\",\"topics\":[\"room3\",42,\"room3\",null]}"),
            Step.text(2, "{\"type\":\"subscribe\",\"topics\":[\"room3\"]}"),
            Step.text(0, "{\"type\":\"publish\",\"topic\":\"room3\",\"data\":{}}"),
            Step.text(0, "{\"type\":\"unsubscribe\",\"topics\":[\"room1\"]}"),
            Step.text(1, "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"after\":\"unsubscribe\"}}"),
            // input the stock server ignores without crashing
            Step.text(1, "{\"type\":\"foo\"}"),
            Step.text(1, "[1,2]"),
            Step.text(1, "null"),
            Step.text(1, "{\"type\":\"publish\",\"topic\":\"\"}"),
            Step.text(1, "{\"type\":\"publish\"}"),
            Step.text(1, "{\"type\":\"subscribe\"}"),
            Step.text(0, "{\"type\":\"ping\"}"),
            Step.text(1, "{\"type\":\"ping\"}"),
            Step.text(2, "{\"type\":\"ping\"}"));

    /** Plays the script against a server and returns, per client, every frame it received. */
    private static List<List<String>> play(int port) {
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(WsClient.connect(port, "/"));
            }
            List<List<String>> received = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                received.add(new ArrayList<>());
                clients.get(i).send("{\"type\":\"subscribe\",\"topics\":[\"sync-" + i + "\"]}");
            }
            int[] marks = {0};
            for (Step step : SCRIPT) {
                WsClient from = clients.get(step.from());
                if (step.binary()) {
                    from.sendBinary(step.frame().getBytes(StandardCharsets.UTF_8));
                } else {
                    from.send(step.frame());
                }
                // Both servers handle one socket's messages in order: once the sender's mark comes back its step
                // has been handled, and once each other client's mark comes back what the step sent it has
                // arrived. So no step's traffic can interleave with the next one's, on either server.
                sync(from, step.from(), ++marks[0], received.get(step.from()));
                for (int i = 0; i < clients.size(); i++) {
                    if (i != step.from()) {
                        sync(clients.get(i), i, ++marks[0], received.get(i));
                    }
                }
            }
            for (int i = 0; i < clients.size(); i++) {
                WsClient.Message m; // nothing more may come after the last step: a short quiet period shows it
                while ((m = clients.get(i).poll(Duration.ofMillis(300))) != null) {
                    received.get(i).add(frame(m));
                }
            }
            return received;
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    /**
     * Publishes a numbered mark to the client's own topic (which only it subscribes to) and records what
     * arrives before the mark comes back; the marks are the test's, not the script's, and are not recorded.
     */
    private static void sync(WsClient client, int index, int mark, List<String> into) {
        String topic = "\"topic\":\"sync-" + index + "\"";
        client.send("{\"type\":\"publish\"," + topic + ",\"mark\":" + mark + "}");
        while (true) {
            WsClient.Message m = client.poll(Duration.ofSeconds(10));
            if (m == null) {
                throw new AssertionError("mark " + mark + " did not come back within 10 s; received: " + into);
            }
            if (!m.binary() && m.text().contains(topic)) {
                if (m.text().contains("\"mark\":" + mark + ",") || m.text().contains("\"mark\":" + mark + "}")) {
                    return;
                }
                throw new AssertionError("an earlier mark came back late: " + m.text());
            }
            into.add(frame(m));
        }
    }

    private static String frame(WsClient.Message m) {
        return (m.binary() ? "binary:" : "text:") + m.text();
    }

    @Test
    void everyClientReceivesExactlyWhatTheStockServerSends() throws IOException {
        List<List<String>> expected = play(upstreamPort);
        List<List<String>> actual = play(node.port());
        assertThat(expected.stream().mapToInt(List::size).sum()).as("the script exercises the server").isGreaterThan(15);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).as("frames received by client %d", i).containsExactlyElementsOf(expected.get(i));
        }
    }
}
