package dev.switchboard.membership;

import static dev.switchboard.membership.Recorded.NEVER;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.dialect.rendezvous.ClusterKeys;
import dev.switchboard.membership.Cluster.Topology;
import dev.switchboard.membership.Invariants.Violation;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 18's membership invariant under concurrent joins and leaves with randomized timing, for every dialect
 * with membership, on one node, on two nodes over Redis, and on three nodes of which one is killed (SIGKILL)
 * in the middle of joins and leaves. The rules themselves are in {@link Invariants}.
 *
 * <p>A round: many clients join at once (half at the same instant, half spread over {@value #SPREAD_MS} ms), a
 * quarter of them leave at random moments while the others join; everyone still there must settle on the
 * invariant. With a kill, a second wave joins and leaves on the surviving nodes while the third node dies.
 * Named-peer and Rendezvous then end with one marker per node joining, a fence behind which late duplicates
 * of earlier notices would show.
 *
 * <p>The plan of each round comes from a seeded {@link Random} (the seed is in every failure message; set
 * {@code -Dswitchboard.membership.seed} to replay the plan); {@code -Dswitchboard.membership.rounds=N}
 * (default 1) runs N rounds per case, for a longer run.
 */
class MembershipInvariantTest {
    private static final long SEED = Long.getLong("switchboard.membership.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("switchboard.membership.rounds", 1);
    /** How long everyone may take to settle: generous, the check itself bounds nothing. */
    private static final Duration SETTLE = Duration.ofSeconds(20);
    private static final int SPREAD_MS = 300;
    private static final int LEAVE_PERCENT = 25;
    /** A leaver leaves this long at most after it joined: some before their join is even answered. */
    private static final int LEAVE_WINDOW_MS = 400;
    private static final String RENDEZVOUS_ROOM = "lobby";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every dialect on every topology, each round its own invocation (with its own timeout). */
    static Stream<Arguments> cases() {
        return Arrays.stream(Dialect.values()).flatMap(d -> Arrays.stream(Topology.values())
                .flatMap(t -> IntStream.rangeClosed(1, ROUNDS).mapToObj(round -> Arguments.of(d, t, round))));
    }

    @ParameterizedTest(name = "{0} on {1}, round {2}")
    @MethodSource("cases")
    void everyMemberLearnsOfEveryOtherAndOfItsDepartureExactlyOnce(Dialect dialect, Topology topology, int round)
            throws Exception {
        long seed = new Random(SEED * 31 + dialect.ordinal() * 7L + topology.ordinal() * 1009L + round).nextLong();
        try (Round r = new Round(dialect, topology, round, seed)) {
            r.play();
        }
    }

    /** One client's part in a wave: when it joins, and when after that it leaves (-1: it stays). */
    private record Planned(Recorded member, int joinAtMs, int leaveAfterMs) {
    }

    /** One randomized round on a fresh cluster. */
    private static final class Round implements AutoCloseable {
        private final Dialect dialect;
        private final Topology topology;
        private final int round;
        private final Random random;
        private final Cluster cluster;
        private final List<Recorded> members = new CopyOnWriteArrayList<>();
        private final Recorded.Recorder recorder = new Recorded.Recorder(members);
        private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(8, r -> {
            Thread t = new Thread(r, "membership-client");
            t.setDaemon(true);
            return t;
        });
        /** The start of the first wave: the origin of the times in failure messages. */
        private volatile long t0 = NEVER;
        private volatile long killedAt = NEVER;

        Round(Dialect dialect, Topology topology, int round, long seed) {
            this.dialect = dialect;
            this.topology = topology;
            this.round = round;
            this.random = new Random(seed);
            try {
                this.cluster = Cluster.start(topology);
            } catch (RuntimeException e) {
                recorder.close();
                pool.shutdownNow();
                throw e;
            }
        }

        void play() throws Exception {
            int count = switch (dialect) {
                case NAMED_PEER -> 100 + random.nextInt(101);
                case RENDEZVOUS -> 50 + random.nextInt(51);
                case RADIX -> 100; // pairings: 200 sockets
            };
            int[] all = cluster.alive();
            wave("a", randomNodes(count, all), LEAVE_PERCENT, List.of(), false);
            settle("after the first wave");
            if (topology == Topology.THREE_NODES_ONE_KILLED) {
                int[] survivors = Arrays.stream(all).filter(n -> n != cluster.victim()).toArray();
                // no newcomer on the victim: whether a member joining as its node dies ever counted is moot
                List<Recorded> leavers = new ArrayList<>(members.stream().filter(Recorded::stays).toList());
                Collections.shuffle(leavers, random);
                wave("b", randomNodes(count / 4, survivors), LEAVE_PERCENT, leavers.subList(0, leavers.size() / 10), true);
                settle("after the kill of " + Cluster.name(cluster.victim()));
            }
            if (dialect != Dialect.RADIX) {
                // one marker per node: notices sent before it reach everyone before it does, so a late
                // duplicate of an earlier notice would now be in the record
                int[] alive = cluster.alive();
                wave("fence", alive, 0, List.of(), false);
                settle("after the fence");
            }
            System.out.printf("%s: %d clients (%d left, %d on the killed node) kept the invariant%n", scenario(),
                    members.size(), members.stream().filter(m -> !m.stays() && !m.killed()).count(),
                    members.stream().filter(Recorded::killed).count());
        }

        private int[] randomNodes(int count, int[] from) {
            int[] nodes = new int[count];
            for (int i = 0; i < count; i++) {
                nodes[i] = from[random.nextInt(from.length)];
            }
            return nodes;
        }

        /**
         * Joins one client per entry of {@code nodes} (Radix: one pairing, its sides on random nodes of the
         * same set), makes {@code leavePercent} of them leave, {@code leavers} leave too, and kills the victim
         * at a random moment if {@code kill}; returns when every action has been taken.
         */
        private void wave(String tag, int[] nodes, int leavePercent, List<Recorded> leavers, boolean kill)
                throws Exception {
            List<Planned> plans = new ArrayList<>();
            for (int i = 0; i < nodes.length; i++) {
                int joinAt = random.nextBoolean() ? 0 : random.nextInt(SPREAD_MS);
                if (dialect == Dialect.RADIX) {
                    byte[] id = new byte[32];
                    random.nextBytes(id);
                    String pairing = HexFormat.of().formatHex(id);
                    for (String role : List.of("wallet", "extension")) {
                        int node = role.equals("wallet") ? nodes[i] : nodes[random.nextInt(nodes.length)];
                        String label = "rx-" + tag + i + "/" + role + "@" + Cluster.name(node);
                        plans.add(new Planned(new Recorded(dialect, label, null, node, pairing, role, null, false),
                                joinAt, leaveAfter(leavePercent)));
                    }
                } else {
                    plans.add(new Planned(client(tag + i, nodes[i]), joinAt, leaveAfter(leavePercent)));
                }
            }
            int[] leaveAt = leavers.stream().mapToInt(m -> random.nextInt(SPREAD_MS + LEAVE_WINDOW_MS)).toArray();
            int killAt = kill ? random.nextInt(SPREAD_MS) : -1;

            // connected beforehand, so that the joins themselves (a login, a register) go at once
            CompletableFuture.allOf(plans.stream().map(p -> CompletableFuture.runAsync(() -> connect(p.member()), pool))
                    .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            plans.forEach(p -> members.add(p.member()));
            if (t0 == NEVER) {
                t0 = System.nanoTime();
            }

            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (Planned p : plans) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                done.add(f);
                pool.schedule(() -> {
                    join(p.member());
                    if (p.leaveAfterMs() < 0) {
                        f.complete(null);
                    } else {
                        pool.schedule(() -> finish(f, p.member()::leave), p.leaveAfterMs(), TimeUnit.MILLISECONDS);
                    }
                }, p.joinAtMs(), TimeUnit.MILLISECONDS);
            }
            for (int i = 0; i < leavers.size(); i++) {
                Recorded m = leavers.get(i);
                CompletableFuture<Void> f = new CompletableFuture<>();
                done.add(f);
                pool.schedule(() -> finish(f, m::leave), leaveAt[i], TimeUnit.MILLISECONDS);
            }
            if (kill) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                done.add(f);
                pool.schedule(() -> finish(f, this::kill), killAt, TimeUnit.MILLISECONDS);
            }
            // a bound on the harness's own actions, not on the server's answers
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }

        private int leaveAfter(int leavePercent) {
            return random.nextInt(100) < leavePercent ? random.nextInt(LEAVE_WINDOW_MS) : -1;
        }

        private static void finish(CompletableFuture<Void> f, Runnable action) {
            try {
                action.run();
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }

        private Recorded client(String name, int node) {
            if (dialect == Dialect.NAMED_PEER) {
                return new Recorded(dialect, "np-" + name + "@" + Cluster.name(node), name, node, null, null, null, false);
            }
            ClusterKeys keys = ClusterKeys.create();
            boolean signs = random.nextBoolean(); // a signed register joins with TAKEOVER, an unsigned one EXCLUSIVE
            String label = "rv-" + name + "@" + Cluster.name(node) + "(" + keys.peerId().substring(0, 8) + ")";
            return new Recorded(dialect, label, keys.peerId(), node, null, null, keys, signs);
        }

        /** Opens the socket of a named-peer or Rendezvous client (Radix joins by connecting). */
        private void connect(Recorded m) {
            int port = cluster.port(m.node);
            if (dialect == Dialect.NAMED_PEER) {
                m.ws = WsClient.connect(port, "/");
            } else if (dialect == Dialect.RENDEZVOUS) {
                WsClient ws = WsClient.connect(port, "/room/" + RENDEZVOUS_ROOM + "/websocket");
                try {
                    m.nonce = JSON.readTree(ws.next()).get("nonce").asText(); // the challenge is not membership
                } catch (Exception e) {
                    throw new IllegalStateException(m + ": no challenge", e);
                }
                m.ws = ws; // recorded from here on
            }
        }

        private void join(Recorded m) {
            try {
                switch (dialect) {
                    case NAMED_PEER -> m.ws.send("{\"type\":\"login\",\"name\":\"" + m.id + "\"}");
                    case RENDEZVOUS -> m.ws.send(m.keys.register(m.signs ? m.nonce : null));
                    case RADIX -> {
                        String target = m.role.equals("wallet") ? "extension" : "wallet";
                        m.ws = WsClient.connect(cluster.port(m.node),
                                "/" + m.pairing + "?target=" + target + "&source=" + m.role);
                        m.connectedAt = System.nanoTime();
                    }
                }
            } catch (RuntimeException e) {
                m.failure = e.toString();
            }
        }

        private void kill() {
            long at = System.nanoTime(); // before the signal: the bound is measured from no later than the death
            killedAt = at;
            for (Recorded m : members) {
                if (m.node == cluster.victim()) {
                    m.killedAt(at);
                }
            }
            cluster.killVictim();
        }

        private List<Violation> check() {
            return dialect == Dialect.RADIX ? Invariants.checkPairings(members, t0, killedAt)
                    : Invariants.checkRoom(members, t0, killedAt);
        }

        /**
         * Waits until nothing is missing any more, then requires no violation at all. A violation that no time
         * can mend (a duplicate, a notice about a stranger) ends the wait at once, so that a broken build fails
         * fast; notices still outstanding then are only counted, as more time might have brought them.
         */
        private void settle(String stage) {
            boolean timedOut = false;
            try {
                await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            List<Violation> now = check();
                            return now.stream().noneMatch(Violation::pending) || now.stream().anyMatch(v -> !v.pending());
                        });
            } catch (ConditionTimeoutException stillMissing) {
                timedOut = true; // the report below says what is missing
            }
            members.forEach(Recorded::drain);
            List<Violation> violations = check();
            if (violations.isEmpty()) {
                return;
            }
            String where = scenario() + ", " + stage + " (" + members.size() + " clients)";
            if (!timedOut) {
                long outstanding = violations.stream().filter(Violation::pending).count();
                where += "; stopped at the first lasting violation, " + outstanding + " notice(s) still outstanding then";
                violations = violations.stream().filter(v -> !v.pending()).toList();
            } else {
                where += "; still missing after " + SETTLE.toSeconds() + " s";
            }
            fail(Invariants.report(where, violations));
        }

        private String scenario() {
            return dialect + " on " + topology + ", round " + round + "/" + ROUNDS + " (seed " + SEED
                    + ": replay with -Dswitchboard.membership.seed=" + SEED + ")";
        }

        @Override
        public void close() {
            recorder.close();
            pool.shutdownNow();
            for (Recorded m : members) {
                WsClient ws = m.ws;
                if (ws != null && ws.isOpen()) {
                    ws.close();
                }
            }
            cluster.close();
        }
    }
}
