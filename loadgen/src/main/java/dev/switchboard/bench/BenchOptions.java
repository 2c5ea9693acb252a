package dev.switchboard.bench;

import dev.switchboard.bench.internal.BenchDialect;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What one load-generator run does. Every run is bounded: a duration cap, a connection cap, and only the
 * target the user named (plus the local source addresses they named).
 *
 * @param dialect         y-webrtc (publish to a room), named-peer, rendezvous, radix or peerjs (relay to one peer),
 *                        or grpc (pairs of a worker and its client relaying to each other; targets grpc://host:port)
 * @param targets         the servers' WebSocket URLs (ws:// or wss://host:port/path); peers are spread over them
 *                        round robin, so with several nodes of a cluster every room spans nodes
 * @param rooms           rooms (y-webrtc topics)
 * @param peersPerRoom    peers in each room; every peer subscribes and publishes
 * @param payloadBytes    size of each published frame, approximately
 * @param ratePerPeer     messages per second per peer (open loop); 0 means closed loop with {@code window}
 * @param window          closed loop: messages each peer keeps in flight (until its own echo returns)
 * @param warmup          sending before measuring (results discarded)
 * @param duration        measured sending time
 * @param drain           wait after sending stops for deliveries in flight
 * @param idleConnections idle mode: hold this many connections instead of sending (0 = load mode)
 * @param hold            idle mode: how long to hold them before measuring the server; storm mode: how long to
 *                        hold them after the last join, before they close
 * @param sourceAddresses local addresses to connect from, round robin (more ports than one address has)
 * @param serverPid       the server's PID on this machine, to read its CPU time and memory; -1 if unknown
 * @param ioThreads       generator threads
 * @param tlsCa           PEM CA certificates wss:// servers are checked against; null: the JVM's trust store
 * @param cpuPids         further processes on this machine (name → PID: another node, Redis) whose CPU per
 *                        delivered message is reported beside the server's
 * @param storm           storm mode: open this many connections as fast as {@code concurrency} allows, each to a
 *                        completed subscription or login, and report the rate and the handshake latencies (0 = off)
 * @param concurrency     connections being opened at once (TCP, TLS, upgrade, subscription or login)
 * @param rehomeKillPid   re-home mode: the PID of the node the first target names; once every peer is in, the
 *                        generator kills it (SIGKILL) and measures how long its peers take to be reconnected to
 *                        the other targets and every room's view to be right again (-1 = off); a URL listed
 *                        several times gets that many shares of the peers
 * @param churn           load mode, y-webrtc: further connections a second that join and, 10 s later, leave
 *                        (0 = off); such a run may last up to {@link #MAX_SOAK_DURATION}
 * @param stormWarmup     storm mode: storms of these sizes run first in the same process, each closed and gone
 *                        from the server before the next, so that the measured storm finds the generator's code
 *                        compiled (and the server's); reported apart, not counted
 */
public record BenchOptions(String dialect, List<URI> targets, int rooms, int peersPerRoom, int payloadBytes, int ratePerPeer, int window,
                           Duration warmup, Duration duration, Duration drain, int idleConnections, Duration hold,
                           List<InetAddress> sourceAddresses, long serverPid, int ioThreads, Path tlsCa,
                           Map<String, Long> cpuPids, int storm, int concurrency, long rehomeKillPid,
                           int churn, List<Integer> stormWarmup) {
    public static final Duration MAX_DURATION = Duration.ofMinutes(10);
    /** A soak (a load run with churn) is meant to last: its bound instead of {@link #MAX_DURATION}. */
    public static final Duration MAX_SOAK_DURATION = Duration.ofHours(2);
    public static final int MAX_CONNECTIONS = 100_000;
    public static final String GRPC = "grpc";

    /** The WebSocket dialects, then gRPC's client/worker pairs. */
    public static final List<String> DIALECTS = Stream.concat(BenchDialect.NAMES.stream(), Stream.of(GRPC)).toList();

    public BenchOptions {
        targets = List.copyOf(Objects.requireNonNull(targets, "targets"));
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("at least one target");
        }
        if (GRPC.equals(dialect)) {
            if (ratePerPeer == 0 || peersPerRoom != 2 || idleConnections > 0 || storm > 0) {
                throw new IllegalArgumentException("grpc runs pairs of a worker and a client (--peers 2) at a --rate");
            }
            for (URI target : targets) {
                if (!"grpc".equals(target.getScheme()) || target.getHost() == null || target.getPort() <= 0) {
                    throw new IllegalArgumentException("a grpc target is grpc://host:port (plaintext): " + target);
                }
            }
        } else {
            BenchDialect.of(dialect).check(ratePerPeer, peersPerRoom, idleConnections); // refuses an unknown name too
            for (URI target : targets) {
                if (!("ws".equals(target.getScheme()) || "wss".equals(target.getScheme())) || target.getHost() == null
                        || target.getPort() <= 0) {
                    throw new IllegalArgumentException("target must be ws://host:port/path or wss://host:port/path: "
                            + target);
                }
            }
        }
        check("rooms", rooms, 1, MAX_CONNECTIONS);
        check("peersPerRoom", peersPerRoom, 1, MAX_CONNECTIONS);
        if ((long) rooms * peersPerRoom > MAX_CONNECTIONS || idleConnections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("at most " + MAX_CONNECTIONS + " connections per generator");
        }
        check("payloadBytes", payloadBytes, 64, 60 * 1024);
        check("ratePerPeer", ratePerPeer, 0, 100_000);
        check("window", window, 1, 10_000);
        check("ioThreads", ioThreads, 1, 64);
        for (Duration d : List.of(warmup, duration, drain, hold)) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("durations cannot be negative: " + d);
            }
        }
        check("churn", churn, 0, 10_000);
        Duration bound = churn > 0 ? MAX_SOAK_DURATION : MAX_DURATION;
        if (warmup.plus(duration).plus(drain).plus(hold).compareTo(bound) > 0) {
            throw new IllegalArgumentException("warm-up, duration, drain and hold together must be within "
                    + bound.toMinutes() + " minutes");
        }
        if (churn > 0 && (!"y-webrtc".equals(dialect) || ratePerPeer == 0 || storm > 0 || idleConnections > 0
                || rehomeKillPid > 0)) {
            throw new IllegalArgumentException("churn joins and leaves beside an open-loop y-webrtc load run: "
                    + "--dialect y-webrtc with a --rate, no storm, idle or re-home");
        }
        sourceAddresses = List.copyOf(sourceAddresses);
        cpuPids = Collections.unmodifiableMap(new LinkedHashMap<>(cpuPids));
        check("storm", storm, 0, MAX_CONNECTIONS);
        stormWarmup = List.copyOf(stormWarmup);
        if (!stormWarmup.isEmpty() && storm == 0) {
            throw new IllegalArgumentException("warm-up storms go before a measured storm: give --storm");
        }
        for (int n : stormWarmup) {
            check("warm-up storm", n, 1, MAX_CONNECTIONS);
        }
        check("concurrency", concurrency, 1, 10_000);
        if (storm > 0 && idleConnections > 0) {
            throw new IllegalArgumentException("storm and idle are different modes: pick one");
        }
        if (rehomeKillPid > 0) {
            if (storm > 0 || idleConnections > 0) {
                throw new IllegalArgumentException("re-home is a mode of its own: no storm or idle with it");
            }
            if (targets.stream().allMatch(targets.get(0)::equals)) {
                throw new IllegalArgumentException("re-home needs the node to kill and at least one other target");
            }
            if (!"y-webrtc".equals(dialect)) {
                throw new IllegalArgumentException("re-home reads the rooms' views from y-webrtc's clients count: "
                        + "--dialect y-webrtc");
            }
        }
    }

    public boolean grpc() {
        return GRPC.equals(dialect);
    }

    public boolean rehome() {
        return rehomeKillPid > 0;
    }

    /** The first target: where the server's own metrics are read. */
    public URI target() {
        return targets.get(0);
    }

    public int connections() {
        return idleConnections > 0 ? idleConnections : storm > 0 ? storm : rooms * peersPerRoom;
    }

    /** Deliveries one message makes: every subscriber for y-webrtc, the one target otherwise. */
    public int fanOut() {
        return grpc() ? 1 : BenchDialect.of(dialect).fanOut(peersPerRoom);
    }

    public boolean openLoop() {
        return ratePerPeer > 0;
    }

    /** A builder whose defaults are the command line's: 100 rooms x 4 peers, 1 KiB, 40 msg/s, against 8080. */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String dialect = "y-webrtc";
        private List<URI> targets = List.of(URI.create("ws://127.0.0.1:8080/"));
        private int rooms = 100;
        private int peersPerRoom = 4;
        private int payloadBytes = 1024;
        private int ratePerPeer = 40;
        private int window = 4;
        private Duration warmup = Duration.ofSeconds(5);
        private Duration duration = Duration.ofSeconds(20);
        private Duration drain = Duration.ofSeconds(2);
        private int idleConnections;
        private Duration hold = Duration.ofSeconds(5);
        private List<InetAddress> sourceAddresses = List.of();
        private long serverPid = -1;
        private int ioThreads = 2;
        private Path tlsCa;
        private Map<String, Long> cpuPids = Map.of();
        private int storm;
        private int concurrency = 256;
        private long rehomeKillPid = -1;
        private int churn;
        private List<Integer> stormWarmup = List.of();

        private Builder() {
        }

        public Builder dialect(String v) {
            dialect = v;
            return this;
        }

        public Builder targets(List<URI> v) {
            targets = v;
            return this;
        }

        public Builder rooms(int v) {
            rooms = v;
            return this;
        }

        public Builder peersPerRoom(int v) {
            peersPerRoom = v;
            return this;
        }

        public Builder payloadBytes(int v) {
            payloadBytes = v;
            return this;
        }

        /** Messages per second per peer (open loop); 0 for closed loop. */
        public Builder ratePerPeer(int v) {
            ratePerPeer = v;
            return this;
        }

        public Builder window(int v) {
            window = v;
            return this;
        }

        public Builder warmup(Duration v) {
            warmup = v;
            return this;
        }

        public Builder duration(Duration v) {
            duration = v;
            return this;
        }

        public Builder drain(Duration v) {
            drain = v;
            return this;
        }

        public Builder idleConnections(int v) {
            idleConnections = v;
            return this;
        }

        public Builder hold(Duration v) {
            hold = v;
            return this;
        }

        public Builder sourceAddresses(List<InetAddress> v) {
            sourceAddresses = v;
            return this;
        }

        public Builder serverPid(long v) {
            serverPid = v;
            return this;
        }

        public Builder ioThreads(int v) {
            ioThreads = v;
            return this;
        }


        /** The CAs (a PEM file) wss:// targets' certificates are checked against; null: the JVM's trust store. */
        public Builder tlsCa(Path v) {
            tlsCa = v;
            return this;
        }

        /** Further processes (name → PID) whose CPU per delivered message is reported. */
        public Builder cpuPids(Map<String, Long> v) {
            cpuPids = v;
            return this;
        }

        /** Storm mode: this many connections, each to a completed subscription or login, as fast as allowed. */
        public Builder storm(int v) {
            storm = v;
            return this;
        }

        /** Connections being opened at once. */
        public Builder concurrency(int v) {
            concurrency = v;
            return this;
        }

        /** Re-home mode: the PID of the first target's node, killed once every peer is in. */
        public Builder rehomeKillPid(long v) {
            rehomeKillPid = v;
            return this;
        }

        /** Connections a second that join and, 10 s later, leave, beside the load (a soak). */
        public Builder churn(int v) {
            churn = v;
            return this;
        }

        /** Storm mode: storms of these sizes first, in this process, not counted (warming both sides). */
        public Builder stormWarmup(List<Integer> v) {
            stormWarmup = v;
            return this;
        }

        /** Validates everything; throws {@link IllegalArgumentException} naming what is wrong. */
        public BenchOptions build() {
            return new BenchOptions(dialect, targets, rooms, peersPerRoom, payloadBytes, ratePerPeer, window, warmup,
                    duration, drain, idleConnections, hold, sourceAddresses, serverPid, ioThreads, tlsCa, cpuPids, storm,
                    concurrency, rehomeKillPid, churn, stormWarmup);
        }
    }

    private static void check(String name, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "]: " + v);
        }
    }
}
