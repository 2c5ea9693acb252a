package dev.switchboard.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.membership.Cluster.Topology;
import dev.switchboard.membership.Dialect.Kind;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The probe of issue 18: both sides of 200 fresh Radix pairings opened at the same moment, 20 pairings at a
 * time. Upstream tells exactly one side remoteClientIsAlreadyConnected and the other remoteClientJustConnected;
 * every pairing must come out that way, on one node and with the two sides on two nodes over Redis.
 */
class RadixPairingProbeTest {
    private static final long SEED = Long.getLong("switchboard.membership.seed", System.nanoTime());
    private static final int PAIRINGS = 200;
    private static final int AT_ONCE = 20;
    /** How long a batch's sides may take to hear of each other; a side still unaware then counts as missing. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    /**
     * Not part of the suite (timing is for benchmarks): with {@code -Dswitchboard.membership.quiet=N}, N pairings
     * one after another on two nodes, each side alone on the machine's loopback: how long after the second
     * side's handshake the first side hears it connected. The figure BENCHMARKS.md records.
     */
    @Test
    @EnabledIfSystemProperty(named = "switchboard.membership.quiet", matches = "\\d+")
    void noticeTimeOfOnePairingAtATimeOnTwoNodes() throws Exception {
        int pairings = Integer.getInteger("switchboard.membership.quiet");
        int warmUp = Math.min(100, pairings / 4);
        Random random = new Random(SEED);
        List<Long> micros = new ArrayList<>();
        try (Cluster cluster = Cluster.start(Topology.TWO_NODES)) {
            for (int i = 0; i < pairings; i++) {
                byte[] id = new byte[32];
                random.nextBytes(id);
                String pairing = HexFormat.of().formatHex(id);
                try (WsClient wallet = WsClient.connect(cluster.port(0), "/" + pairing + "?target=extension&source=wallet")) {
                    // the wallet's join is in once its socket is quiet for a moment: nothing is sent to a lone side
                    assertThat(wallet.poll(Duration.ofMillis(20))).isNull();
                    try (WsClient extension = WsClient.connect(cluster.port(1),
                            "/" + pairing + "?target=wallet&source=extension")) {
                        long open = System.nanoTime();
                        WsClient.Message told = wallet.poll(Duration.ofSeconds(10));
                        long at = System.nanoTime();
                        assertThat(told).isNotNull();
                        assertThat(told.text()).contains("remoteClientJustConnected");
                        if (i >= warmUp) {
                            micros.add(TimeUnit.NANOSECONDS.toMicros(at - open));
                        }
                    }
                }
            }
        }
        System.out.println("Radix notice, one pairing at a time on two nodes over Redis (" + micros.size()
                + " after " + warmUp + " to warm up): " + percentiles(micros, "µs")
                + " from the later side's handshake to the earlier side's remoteClientJustConnected");
    }

    @Test
    void everyPairingOpenedAtOnceIsUpstreamShapedOnOneNode() throws Exception {
        try (Cluster cluster = Cluster.start(Topology.ONE_NODE)) {
            probe(cluster, "one node");
        }
    }

    @Test
    void everyPairingOpenedAtOnceIsUpstreamShapedWithItsSidesOnTwoNodes() throws Exception {
        try (Cluster cluster = Cluster.start(Topology.TWO_NODES)) {
            probe(cluster, "two nodes over Redis");
        }
    }

    private void probe(Cluster cluster, String where) throws Exception {
        Random random = new Random(SEED);
        List<Recorded> all = new CopyOnWriteArrayList<>();
        List<Recorded[]> pairings = new ArrayList<>();
        List<Long> openedAt = new ArrayList<>(); // per pairing: when its batch was let go
        ExecutorService pool = Executors.newFixedThreadPool(2 * AT_ONCE);
        try (Recorded.Recorder recorder = new Recorded.Recorder(all)) {
            for (int batch = 0; batch < PAIRINGS / AT_ONCE; batch++) {
                List<Recorded> sides = new ArrayList<>();
                for (int i = 0; i < AT_ONCE; i++) {
                    byte[] id = new byte[32];
                    random.nextBytes(id);
                    String pairing = HexFormat.of().formatHex(id);
                    int walletNode = cluster.size() == 1 ? 0 : random.nextInt(2);
                    int extensionNode = cluster.size() == 1 ? 0 : 1 - walletNode; // sides on different nodes
                    int n = pairings.size();
                    Recorded wallet = new Recorded(Dialect.RADIX, "pairing " + n + " wallet@" + Cluster.name(walletNode),
                            null, walletNode, pairing, "wallet", null, false);
                    Recorded extension = new Recorded(Dialect.RADIX, "pairing " + n + " extension@"
                            + Cluster.name(extensionNode), null, extensionNode, pairing, "extension", null, false);
                    pairings.add(new Recorded[] {wallet, extension});
                    sides.add(wallet);
                    sides.add(extension);
                }
                // every socket of the batch waits on one latch: both sides of each pairing open at once
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> opened = new ArrayList<>();
                for (Recorded side : sides) {
                    opened.add(pool.submit(() -> {
                        go.await();
                        String target = side.role.equals("wallet") ? "extension" : "wallet";
                        side.ws = WsClient.connect(cluster.port(side.node),
                                "/" + side.pairing + "?target=" + target + "&source=" + side.role);
                        side.connectedAt = System.nanoTime();
                        return null;
                    }));
                }
                all.addAll(sides);
                long start = System.nanoTime();
                for (int i = 0; i < AT_ONCE; i++) {
                    openedAt.add(start);
                }
                go.countDown();
                for (Future<?> f : opened) {
                    f.get(60, TimeUnit.SECONDS);
                }
                try {
                    await().atMost(BOUND).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                            .until(() -> sides.stream().allMatch(s -> connects(s) > 0));
                } catch (ConditionTimeoutException missing) {
                    // counted below as missing
                }
            }
            all.forEach(Recorded::drain);
            Map<String, Integer> counts = new TreeMap<>();
            List<String> bad = new ArrayList<>();
            for (Recorded[] p : pairings) {
                String shape = Invariants.shape(p[0], p[1]);
                counts.merge(shape.replaceFirst(" \\(.*", ""), 1, Integer::sum);
                if (!shape.equals(Invariants.UPSTREAM_SHAPED) && bad.size() < 5) {
                    bad.add(p[0].label + " / " + p[1].label + ": " + shape + "\n      " + p[0].role + ": "
                            + texts(p[0]) + "\n      " + p[1].role + ": " + texts(p[1]));
                }
            }
            int upstream = counts.getOrDefault(Invariants.UPSTREAM_SHAPED, 0);
            String summary = "Radix probe on " + where + " (seed " + SEED + "): " + upstream + " of " + PAIRINGS
                    + " pairings upstream-shaped; by shape " + counts + "; " + noticeTimes(pairings, openedAt);
            System.out.println(summary);
            assertThat(upstream).as(summary + "\n  first of the others:\n  - " + String.join("\n  - ", bad))
                    .isEqualTo(PAIRINGS);
        } finally {
            pool.shutdownNow();
            for (Recorded r : all) {
                if (r.ws != null) {
                    r.ws.close();
                }
            }
        }
    }

    /**
     * How fast notices are, reported, not asserted (timing is for benchmarks; stamps are the recorder's, within a
     * few milliseconds): from opening a batch's sockets until both sides of a pairing were told, and from the
     * later side's socket opening until the earlier side heard it had just connected (the join's own path:
     * claim, bus hop, notice).
     */
    private static String noticeTimes(List<Recorded[]> pairings, List<Long> openedAt) {
        List<Long> both = new ArrayList<>();
        List<Long> just = new ArrayList<>();
        for (int i = 0; i < pairings.size(); i++) {
            long last = Long.MIN_VALUE;
            for (Recorded side : pairings.get(i)) {
                last = Math.max(last, firstAt(side, Kind.LIST, Kind.JOIN));
            }
            if (last != Long.MAX_VALUE) {
                both.add(TimeUnit.NANOSECONDS.toMillis(last - openedAt.get(i)));
            }
            Recorded[] p = pairings.get(i);
            for (int s = 0; s < 2; s++) {
                long toldAt = firstAt(p[s], Kind.JOIN);
                if (toldAt != Long.MAX_VALUE && p[1 - s].connectedAt != Recorded.NEVER) {
                    just.add(TimeUnit.NANOSECONDS.toMicros(toldAt - p[1 - s].connectedAt));
                }
            }
        }
        return "both sides told within " + percentiles(both, "ms") + " of opening (sockets included); "
                + "the earlier side told within " + percentiles(just, "µs") + " of the later side's socket opening";
    }

    private static long firstAt(Recorded side, Kind... kinds) {
        List<Kind> wanted = List.of(kinds);
        return side.frames().stream().filter(f -> wanted.contains(f.notice().kind()))
                .mapToLong(Recorded.Frame::at).min().orElse(Long.MAX_VALUE);
    }

    private static String percentiles(List<Long> values, String unit) {
        if (values.isEmpty()) {
            return "(none)";
        }
        values.sort(null);
        int n = values.size();
        return "p50 " + values.get(n / 2) + " " + unit + ", p99 " + values.get(Math.min(n - 1, n * 99 / 100)) + " "
                + unit + ", max " + values.get(n - 1) + " " + unit;
    }

    private static long connects(Recorded side) {
        side.drain();
        return side.frames().stream().filter(f -> f.notice().kind() == Kind.LIST || f.notice().kind() == Kind.JOIN).count();
    }

    private static List<String> texts(Recorded side) {
        return side.frames().stream().map(Recorded.Frame::text).toList();
    }
}
