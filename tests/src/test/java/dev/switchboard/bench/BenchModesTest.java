package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generator's cluster and connection modes against real nodes and a real Redis: short runs whose counts
 * must add up exactly (timings are only checked to exist and be ordered, never bounded).
 */
class BenchModesTest {

    private static BenchOptions.Builder options(URI... targets) {
        return BenchOptions.builder().targets(List.of(targets)).rooms(4).peersPerRoom(2).payloadBytes(256)
                .ratePerPeer(50).warmup(Duration.ofMillis(300)).duration(Duration.ofSeconds(1))
                .drain(Duration.ofSeconds(3)).ioThreads(1); // a loaded machine can hold deliveries for seconds
    }

    private static URI ws(int port) {
        return URI.create("ws://127.0.0.1:" + port + "/");
    }

    private static Switchboard node(RedisServer redis, String id) {
        // the generator sends far past a client's message budget
        return TestNodes.start(TestNodes.config().nodeId(id).redisUri(redis.uri()).set(NodeOptions.MESSAGE_RATE, 0)
                .build());
    }

    @Test
    void aCrossNodeRunOverRedisCountsLocalAndCrossNodeDeliveriesApartWithEveryProcesssCpu() throws Exception {
        try (RedisServer redis = RedisServer.start(); Switchboard a = node(redis, "a"); Switchboard b = node(redis, "b")) {
            // two peers a room, one on each node: of each message, the sender's own copy stays on its node and
            // the other crosses the bus
            BenchReport report = LoadGenerator.run(options(ws(a.port()), ws(b.port()))
                    .serverPid(ProcessHandle.current().pid()).cpuPids(Map.of("redis", redis.pid())).build());
            assertThat(report.errors()).isZero();
            assertThat(report.sent()).isPositive();
            assertThat(report.delivered()).isEqualTo(report.expected()).isEqualTo(report.sent() * 2);
            BenchReport.CrossNode split = report.crossNode();
            assertThat(split.localDelivered()).isEqualTo(report.sent());
            assertThat(split.crossDelivered()).isEqualTo(report.sent());
            assertThat(split.crossP50Micros()).isPositive();
            assertThat(split.crossP99Micros()).isGreaterThanOrEqualTo(split.crossP50Micros());
            assertThat(report.processes()).extracting(BenchReport.ProcessCpu::name).containsExactly("server", "redis");
            assertThat(report.processes().get(1).pid()).isEqualTo(redis.pid());
            assertThat(report.processes()).allSatisfy(p -> assertThat(p.cpuSeconds()).isNotNegative());
            assertThat(report.allProcessesCpuMicrosPerDelivery())
                    .isGreaterThanOrEqualTo(report.serverCpuMicrosPerDelivery());
            assertThat(report.toTable()).contains("cross-node deliveries").contains("CPU / delivery: redis");
        }
    }

    @Test
    void aRunOnOneNodeHasNoCrossNodeSplit() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            BenchReport report = LoadGenerator.run(options(ws(node.port())).build());
            assertThat(report.delivered()).isEqualTo(report.expected()).isPositive();
            assertThat(report.crossNode()).isNull();
        }
    }

    private static URI grpc(Switchboard node) {
        return URI.create("grpc://127.0.0.1:" + node.grpcPort());
    }

    @Test
    void aGrpcRunRelaysEveryMessageBetweenWorkersAndTheirClientsOnOneNode() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            BenchReport report = LoadGenerator.run(options(grpc(node)).dialect("grpc").rooms(6).ratePerPeer(20)
                    .serverPid(ProcessHandle.current().pid()).build());
            assertThat(report.errors()).isZero();
            assertThat(report.mode()).isEqualTo("load grpc");
            assertThat(report.connections()).isEqualTo(12);
            assertThat(report.sent()).isPositive();
            // both sides send: a worker's messages reach its client, the client's its worker, each exactly once
            assertThat(report.delivered()).isEqualTo(report.expected()).isEqualTo(report.sent());
            assertThat(report.p50Micros()).isPositive();
            assertThat(report.crossNode()).isNull();
            assertThat(report.serverCpuMicrosPerDelivery()).isNotNegative();
        }
    }

    @Test
    void aGrpcRunAcrossTwoNodesRelaysHalfThePairsOverTheBus() throws Exception {
        try (RedisServer redis = RedisServer.start(); Switchboard a = node(redis, "a"); Switchboard b = node(redis, "b")) {
            BenchReport report = LoadGenerator.run(options(grpc(a), grpc(b)).dialect("grpc").rooms(6).ratePerPeer(20)
                    .drain(Duration.ofSeconds(2)).build());
            assertThat(report.errors()).isZero();
            assertThat(report.delivered()).isEqualTo(report.sent()).isPositive();
            // odd pairs have their worker on one node and their client on the other: half of the relays
            BenchReport.CrossNode split = report.crossNode();
            assertThat(split.crossDelivered()).isPositive();
            assertThat(split.localDelivered()).isPositive();
            assertThat(split.localDelivered() + split.crossDelivered()).isEqualTo(report.delivered());
            assertThat(split.crossP50Micros()).isPositive();
        }
    }

    /** bench/compare-radix.sh's shape: every pairing's wallet on the first node, its extension on the second. */
    @Test
    void aRadixRunAcrossTwoNodesRelaysEveryMessageFromOneNodeToTheOther() throws Exception {
        try (RedisServer redis = RedisServer.start(); Switchboard a = node(redis, "a"); Switchboard b = node(redis, "b")) {
            BenchReport report = LoadGenerator.run(options(ws(a.port()), ws(b.port())).dialect("radix").ratePerPeer(20)
                    .serverPid(ProcessHandle.current().pid()).cpuPids(Map.of("redis", redis.pid())).build());
            assertThat(report.errors()).isZero();
            assertThat(report.delivered()).isEqualTo(report.expected()).isEqualTo(report.sent()).isPositive();
            assertThat(report.crossNode().localDelivered()).isZero();
            assertThat(report.crossNode().crossDelivered()).isEqualTo(report.delivered());
            assertThat(report.allProcessesCpuMicrosPerDelivery()).isPositive();
        }
    }

    @Test
    void aGrpcRunNeedsGrpcTargetsAndPairs() {
        URI ws = URI.create("ws://127.0.0.1:1/");
        URI grpc = URI.create("grpc://127.0.0.1:1");
        assertThatThrownBy(() -> options(ws).dialect("grpc").build()).hasMessageContaining("grpc://host:port");
        assertThatThrownBy(() -> options(grpc).dialect("grpc").peersPerRoom(3).build()).hasMessageContaining("--peers 2");
        assertThatThrownBy(() -> options(grpc).build()).hasMessageContaining("ws://");
    }

    /** Every connection counts once its join is confirmed: y-webrtc's pong after the subscribe, a login's answer. */
    @ParameterizedTest
    @ValueSource(strings = {"y-webrtc", "named-peer"})
    void aStormCountsEveryConfirmedJoinAndTheirHandshakeLatencies(String dialect) throws Exception {
        try (Switchboard node = TestNodes.start()) {
            BenchReport report = LoadGenerator.run(options(ws(node.port())).dialect(dialect).peersPerRoom(4)
                    .storm(300).concurrency(64).hold(Duration.ZERO).serverPid(ProcessHandle.current().pid()).build());
            assertThat(report.errors()).isZero();
            assertThat(report.mode()).isEqualTo("storm " + dialect);
            assertThat(report.handshakes().completed()).isEqualTo(300);
            assertThat(report.connectsPerSecond()).isPositive();
            assertThat(report.handshakes().p50Micros()).isPositive();
            assertThat(report.handshakes().maxMicros()).isGreaterThanOrEqualTo(report.handshakes().p99Micros())
                    .isGreaterThanOrEqualTo(report.handshakes().p50Micros());
            assertThat(report.serverCpuMicrosPerConnect()).isNotNegative();
            assertThat(report.toTable()).contains("handshake p50 / p99");
        }
    }

    /**
     * Warm-up storms run in the generator's own process before the measured one (from two source addresses bound
     * without a port): only the measured storm is counted, and the node saw every connection of all three.
     */
    @Test
    void warmUpStormsRunFirstInTheSameProcessAndAreNotCounted() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            BenchReport report = LoadGenerator.run(options(ws(node.port())).peersPerRoom(4).storm(300)
                    .stormWarmup(List.of(200, 100)).concurrency(64).hold(Duration.ZERO)
                    .sourceAddresses(List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3")))
                    .serverPid(ProcessHandle.current().pid()).build());
            assertThat(report.errors()).isZero();
            assertThat(report.handshakes().completed()).isEqualTo(300);
            assertThat(report.generatorCpuSeconds()).isPositive();
            assertThat(report.toTable()).contains("CPU / join: generator");
            // the measured storm's connections close as the run ends: then the node has closed all 600
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(closes(node.metrics().scrape())).isEqualTo(600));
        }
    }

    @Test
    void warmUpStormsNeedAMeasuredStorm() {
        assertThatThrownBy(() -> options(ws(1)).stormWarmup(List.of(10)).build()).hasMessageContaining("--storm");
        assertThatThrownBy(() -> options(ws(1)).storm(10).stormWarmup(List.of(0)).build())
                .hasMessageContaining("warm-up storm");
    }

    /** Connections the node closed, every reason together. */
    private static long closes(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("switchboard_closes_total{"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void aRehomeRunMovesTheKilledNodesPeersAndWaitsForTheReapedViews() throws Exception {
        try (RedisServer redis = RedisServer.start();
             NodeProcess victim = NodeProcess.start("--redis", redis.uri(), "--node-id", "victim",
                     "--heartbeat-interval", "500ms", "--failure-timeout", "2s");
             Switchboard survivor = TestNodes.start(TestNodes.config().nodeId("survivor").redisUri(redis.uri())
                     .heartbeatInterval(Duration.ofMillis(500)).failureTimeout(Duration.ofSeconds(2)).build())) {
            BenchReport report = LoadGenerator.run(options(ws(victim.port()), ws(survivor.port())).rooms(10)
                    .peersPerRoom(4).duration(Duration.ofSeconds(60)).rehomeKillPid(victim.pid()).build());
            assertThat(victim.waitFor(10)).as("the victim was killed").isTrue();
            assertThat(report.errors()).isZero();
            BenchReport.Rehome rehome = report.rehome();
            assertThat(rehome.peers()).isEqualTo(40);
            assertThat(rehome.moved()).isEqualTo(20); // every other peer was on the victim
            assertThat(rehome.reconnectedMillis()).isPositive();
            assertThat(rehome.consistentMillis()).isGreaterThanOrEqualTo(rehome.reconnectedMillis());
            // the moved peers are back at once, but the survivor counts the victim's members until it reaps
            // them, after the 2 s failure timeout counted from the victim's last beat (at most 0.5 s before)
            assertThat(rehome.consistentMillis()).isGreaterThan(1_000);
            assertThat(rehome.probes()).isGreaterThan(1);
            assertThat(report.handshakes().completed()).isEqualTo(40 + 20);
        }
    }

    /** A soak's churn: connections join and leave beside the load, and the measured deliveries still add up. */
    @Test
    void churningConnectionsJoinAndLeaveAcrossTwoNodesWhileEveryMeasuredMessageIsDelivered() throws Exception {
        try (RedisServer redis = RedisServer.start(); Switchboard a = node(redis, "a"); Switchboard b = node(redis, "b")) {
            BenchReport report = LoadGenerator.run(options(ws(a.port()), ws(b.port())).churn(40)
                    .duration(Duration.ofSeconds(2)).drain(Duration.ofSeconds(5)).build());
            assertThat(report.errors()).isZero();
            assertThat(report.delivered()).isEqualTo(report.expected()).isPositive();
            BenchReport.Churn churn = report.churn();
            // 40 a second over the warm-up and measured phase: some 90, every one confirmed and then closed
            assertThat(churn.opened()).isGreaterThan(40);
            assertThat(churn.joined() + churn.cut()).isEqualTo(churn.opened());
            assertThat(churn.cut()).isLessThan(churn.opened() / 4); // a loaded machine may cut a few, not most
            assertThat(churn.left()).isEqualTo(churn.joined());
            assertThat(churn.failed()).isZero();
            assertThat(churn.joinP99Micros()).isGreaterThanOrEqualTo(churn.joinP50Micros()).isPositive();
            assertThat(report.toTable()).contains("churn");
            // once the run is over, every connection is gone from both nodes and so is every room, the churning
            // connections' rooms of their own included (generous: a loaded machine closes slowly)
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(a.clientCount() + b.clientCount()).isZero();
                assertThat(a.roomCount() + b.roomCount()).isZero();
            });
        }
    }

    @Test
    void theModesRefuseWhatTheyCannotMeasure() {
        URI a = URI.create("ws://127.0.0.1:1/");
        URI b = URI.create("ws://127.0.0.1:2/");
        assertThatThrownBy(() -> options(a).rehomeKillPid(42).build()).hasMessageContaining("other target");
        assertThatThrownBy(() -> options(a, b).dialect("named-peer").rehomeKillPid(42).build())
                .hasMessageContaining("y-webrtc");
        assertThatThrownBy(() -> options(a).storm(10).idleConnections(10).build()).hasMessageContaining("storm");
        assertThatThrownBy(() -> options(a).churn(10).dialect("named-peer").build()).hasMessageContaining("churn");
        assertThatThrownBy(() -> options(a).churn(10).storm(10).build()).hasMessageContaining("churn");
        assertThatThrownBy(() -> options(a).duration(Duration.ofMinutes(30)).build()).hasMessageContaining("10 minutes");
        assertThat(options(a).churn(10).duration(Duration.ofMinutes(60)).build().churn()).isEqualTo(10);
    }
}
