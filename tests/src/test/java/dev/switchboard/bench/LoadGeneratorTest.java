package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.Switchboard;
import dev.switchboard.bench.internal.ClientFrames;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.core.bus.InMemoryNetwork;
import dev.switchboard.testkit.TestCa;
import dev.switchboard.testkit.TestNodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The load generator against real nodes: short, loopback-only runs whose counts must add up exactly. */
class LoadGeneratorTest {

    private static BenchOptions.Builder options(URI... targets) {
        return BenchOptions.builder().targets(List.of(targets)).rooms(4).peersPerRoom(3).payloadBytes(256)
                .ratePerPeer(50).warmup(Duration.ofMillis(300)).duration(Duration.ofSeconds(1))
                .drain(Duration.ofSeconds(10)).ioThreads(1); // ends once nothing is missing
    }

    private static URI ws(Switchboard node) {
        return URI.create("ws://127.0.0.1:" + node.port() + "/");
    }

    @Test
    void clientFramesAreMaskedAndDecodeToTheirPayload() {
        String text = "{\"type\":\"publish\",\"topic\":\"r1\",\"data\":\"é" + "x".repeat(300) + "\"}";
        ByteBuf frame = ClientFrames.text(ByteBufAllocator.DEFAULT, text);
        byte[] raw = new byte[frame.readableBytes()];
        frame.getBytes(0, raw);
        assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain("publish"); // masked on the wire
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket13FrameDecoder(true, false, 65536));
        server.writeInbound(frame);
        TextWebSocketFrame decoded = server.readInbound();
        assertThat(decoded.text()).isEqualTo(text);
        decoded.release();
        server.finishAndReleaseAll();
    }

    @Test
    void anOpenLoopRunAcrossTwoNodesDeliversEveryMessage() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork();
        try (Switchboard a = Switchboard.start(TestNodes.config().build(), new InMemoryBus(network, "a"));
             Switchboard b = Switchboard.start(TestNodes.config().build(), new InMemoryBus(network, "b"))) {
            BenchReport report = LoadGenerator.run(options(ws(a), ws(b)).build());
            assertThat(report.errors()).isZero();
            assertThat(report.sent()).isGreaterThan(0);
            // every room spans both nodes, so these deliveries crossed the bus
            assertThat(report.expected()).isEqualTo(report.sent() * 3);
            assertThat(report.delivered()).isEqualTo(report.expected());
            assertThat(report.missing()).isZero();
            assertThat(report.p50Micros()).isPositive();
            assertThat(report.sendLagP99Micros()).isNotNegative();
            // from the schedule is the relay's latency plus the generator's lateness: never less
            assertThat(report.scheduledP99Micros()).isGreaterThanOrEqualTo(report.p99Micros() - 1000);
            assertThat(report.target()).contains(ws(a).toString()).contains(ws(b).toString());
            assertThat(a.hub().bus().status().kind()).isNotNull();
        }
    }

    @Test
    void aWssRunTrustingTheNodesCaDeliversEveryMessageAndCountsConnects(@TempDir Path dir) throws Exception {
        TestCa ca = TestCa.create(dir, "bench");
        TestCa.Issued cert = ca.issueServer("node");
        try (Switchboard node = TestNodes.start(TestNodes.config()
                .tls(cert.certFile().toString(), cert.keyFile().toString()).build())) {
            URI wss = URI.create("wss://localhost:" + node.port() + "/");
            // a slow rate and a long drain: on a loaded machine TLS can put a second's backlog in flight
            BenchReport report = LoadGenerator.run(options(wss).tlsCa(ca.certFile()).ratePerPeer(10)
                    .drain(Duration.ofSeconds(5)).build());
            assertThat(report.errors()).isZero();
            assertThat(report.sent()).isGreaterThan(0);
            assertThat(report.delivered()).isEqualTo(report.expected());
            assertThat(report.connectsPerSecond()).isPositive();
            // every connection a full handshake of its own
            assertThat(node.metrics().scrape()).contains("switchboard_tls_handshakes_total{result=\"ok\"} 12.0");
        }
        // without the CA the generator does not trust the node: no connection opens
        try (Switchboard node = TestNodes.start(TestNodes.config()
                .tls(cert.certFile().toString(), cert.keyFile().toString()).build())) {
            URI wss = URI.create("wss://localhost:" + node.port() + "/");
            BenchReport refused = LoadGenerator.run(options(wss).build());
            assertThat(refused.errors()).isEqualTo(12);
            assertThat(refused.delivered()).isZero();
            assertThat(node.metrics().scrape()).contains("switchboard_tls_handshakes_total{result=\"failed\"} 12.0");
        }
    }

    /** Each dialect's script: peers join its way, learn whom to send to, and every relayed message arrives. */
    @ParameterizedTest
    @ValueSource(strings = {"y-webrtc", "named-peer", "rendezvous", "radix"})
    void everyDialectsRunDeliversEveryMessage(String dialect) throws Exception {
        try (Switchboard node = TestNodes.start()) {
            int peersPerRoom = dialect.equals("radix") ? 2 : 3; // a Radix pairing has two sides
            // 20 messages a second: well under named-peer's 50 a second per connection
            BenchReport report = LoadGenerator.run(options(ws(node)).dialect(dialect).peersPerRoom(peersPerRoom)
                    .ratePerPeer(20).build());
            assertThat(report.errors()).isZero();
            assertThat(report.sent()).isPositive();
            int receivers = dialect.equals("y-webrtc") ? peersPerRoom : 1; // y-webrtc echoes to the sender too
            assertThat(report.expected()).isEqualTo(report.sent() * receivers);
            assertThat(report.delivered()).isEqualTo(report.expected());
        }
    }

    @Test
    void aClosedLoopRunCountsEveryEcho() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            // a closed loop sends only when an echo comes back: on a loaded machine one stall can outlast a 1 s
            // window (nothing sent), so it is longer here
            BenchReport report = LoadGenerator.run(options(ws(node)).ratePerPeer(0).window(4)
                    .duration(Duration.ofSeconds(3)).build());
            assertThat(report.errors()).isZero();
            assertThat(report.delivered()).isEqualTo(report.sent() * 3).isPositive();
            assertThat(report.sendLagP99Micros()).isEqualTo(-1); // no schedule to lag behind
        }
    }

    @Test
    void idleModeHoldsTheConnectionsAndReadsTheServersMemory() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            BenchReport report = LoadGenerator.run(options(ws(node)).idleConnections(200).hold(Duration.ofMillis(200))
                    .serverPid(ProcessHandle.current().pid()).build());
            assertThat(report.errors()).isZero();
            assertThat(report.connections()).isEqualTo(200);
            assertThat(report.serverRssBytes()).isPositive();
            assertThat(report.heapBytesPerConnection()).isNotEqualTo(-1);
        }
    }

    @Test
    void everyRunIsBounded() {
        URI local = URI.create("ws://127.0.0.1:1/");
        assertThatThrownBy(() -> options(local).warmup(Duration.ofMinutes(5)).duration(Duration.ofMinutes(5))
                .drain(Duration.ofSeconds(1)).build()).hasMessageContaining("10 minutes");
        assertThatThrownBy(() -> options(local).rooms(1000).peersPerRoom(101).build())
                .hasMessageContaining("connections");
        assertThatThrownBy(() -> options(URI.create("http://127.0.0.1:1/")).build()).hasMessageContaining("ws://");
    }
}
