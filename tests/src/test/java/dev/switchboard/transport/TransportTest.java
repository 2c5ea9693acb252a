package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.Switchboard;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.netty.channel.epoll.Epoll;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every transport a node can be told to run on carries the same traffic: a room of three relaying a burst of
 * messages large enough to need several writes each, complete and in each sender's order, and a too-big
 * message answered with 1009 while the others carry on. A native transport the platform lacks is skipped
 * by the first test and must fail a node's start, which the others check with native transports switched off.
 */
class TransportTest {
    private static final int MESSAGES = 200;

    @ParameterizedTest
    @EnumSource(IoTransport.class)
    void relaysCompleteAndInOrderOnEveryTransport(IoTransport transport) {
        assumeTrue(TestNodes.available(transport), transport + " is not available on this machine");
        // the cap far above the burst: this test is about carrying it, SlowConsumerTest about refusing one
        Switchboard node = TestNodes.start(TestNodes.config().ioTransport(transport)
                .maxOutboundBytes(64 * 1024 * 1024).build());
        try (WsClient a = WsClient.connect(node.port(), "/");
             WsClient b = WsClient.connect(node.port(), "/");
             WsClient c = WsClient.connect(node.port(), "/")) {
            String name = transport == IoTransport.AUTO
                    ? (Epoll.isAvailable() ? "epoll" : "nio") : transport.name().toLowerCase();
            assertThat(node.transport()).isEqualTo(name);
            assertThat(Http.get(node.port(), "/health").body()).contains("\"transport\":\"" + name + "\"");
            for (WsClient client : List.of(a, b, c)) {
                client.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}").send("{\"type\":\"ping\"}");
                assertThat(client.next()).isEqualTo("{\"type\":\"pong\"}");
            }
            // 20 KiB each, 4 MB in all: many socket writes, and bursts that fill the socket buffers
            String filler = "x".repeat(20 * 1024);
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                String message = "{\"type\":\"publish\",\"topic\":\"room\",\"data\":{\"n\":" + i + ",\"f\":\""
                        + filler + "\"}";
                (i % 2 == 0 ? a : b).send(message + "}");
                sent.add(message + ",\"clients\":3}");
            }
            List<String> received = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                received.add(c.next());
            }
            assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(received.stream().map(TransportTest::indexOf).filter(n -> n % 2 == 0)).isSorted();
            assertThat(received.stream().map(TransportTest::indexOf).filter(n -> n % 2 == 1)).isSorted();

            // one client's too-big message closes it alone
            c.send("{\"type\":\"publish\",\"topic\":\"room\",\"data\":\"" + "y".repeat(70 * 1024) + "\"}");
            assertThat(c.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1009);
            a.send("{\"type\":\"ping\"}");
            String last = null;
            for (int i = 0; i <= MESSAGES; i++) { // a's copies of both senders' messages, then its pong
                last = a.next();
            }
            assertThat(last).isEqualTo("{\"type\":\"pong\"}");
        } finally {
            node.close();
        }
    }

    private static int indexOf(String message) {
        int at = message.indexOf("\"n\":") + 4;
        return Integer.parseInt(message.substring(at, message.indexOf(',', at)));
    }

    /**
     * A native transport the platform lacks fails the start, with Netty's reason; {@code auto} falls back to
     * NIO. Netty's own switch for "no native transports" stands in for a platform without them, so this runs
     * on every machine, in a node process of its own.
     */
    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "IO_URING"})
    void aMissingNativeTransportFailsTheStart(IoTransport transport) throws Exception {
        Started node = serveWithoutNativeTransports(transport.name().toLowerCase(Locale.ROOT));
        assertThat(node.exited).as("the node stopped at once: %s", node.output).isTrue();
        assertThat(node.exitCode).isNotZero();
        assertThat(node.output).contains("the " + transport.name().toLowerCase(Locale.ROOT)
                + " transport is not available here").contains("Native transport was explicit disabled");
    }

    @Test
    void autoFallsBackToNioWhereNoNativeTransportLoads() throws Exception {
        Started node = serveWithoutNativeTransports("auto");
        assertThat(node.exited).as("still serving: %s", node.output).isFalse();
        assertThat(node.output).contains("(nio transport)");
    }

    private record Started(boolean exited, int exitCode, String output) {
    }

    /** Runs {@code serve} in its own JVM with native transports switched off; stops it once it served or exited. */
    private static Started serveWithoutNativeTransports(String transport) throws Exception {
        String javaBin = System.getProperty("java.home") + "/bin/java";
        File log = File.createTempFile("switchboard-transport", ".log");
        log.deleteOnExit();
        Process p = new ProcessBuilder(javaBin, "-Xmx128m", "-Dio.netty.transport.noNative=true",
                "-cp", System.getProperty("java.class.path"), dev.switchboard.app.Main.class.getName(), "serve",
                "--host", "127.0.0.1", "--port", "0", "--grpc-port", "0", "--transport", transport)
                .redirectErrorStream(true).redirectOutput(log).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive()
                    || Files.readString(log.toPath()).contains(" ready on port "));
            boolean exited = !p.isAlive();
            return new Started(exited, exited ? p.exitValue() : 0, Files.readString(log.toPath()));
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }
}
