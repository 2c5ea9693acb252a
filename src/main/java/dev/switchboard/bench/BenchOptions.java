package dev.switchboard.bench;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one load-generator run does. Every run is bounded: a duration cap, a connection cap, and only the
 * target the user named (plus the local source addresses they named).
 *
 * @param dialect         y-webrtc (publish to a room), named-peer, rendezvous or radix (relay to one peer)
 * @param target          the server's WebSocket URL (ws://host:port/path)
 * @param rooms           rooms (y-webrtc topics)
 * @param peersPerRoom    peers in each room; every peer subscribes and publishes
 * @param payloadBytes    size of each published frame, approximately
 * @param ratePerPeer     messages per second per peer (open loop); 0 means closed loop with {@code window}
 * @param window          closed loop: messages each peer keeps in flight (until its own echo returns)
 * @param warmup          sending before measuring (results discarded)
 * @param duration        measured sending time
 * @param drain           wait after sending stops for deliveries in flight
 * @param idleConnections idle mode: hold this many connections instead of sending (0 = load mode)
 * @param hold            idle mode: how long to hold them before measuring the server
 * @param sourceAddresses local addresses to connect from, round robin (more ports than one address has)
 * @param serverPid       the server's PID on this machine, to read its CPU time and memory; -1 if unknown
 * @param ioThreads       generator threads
 */
public record BenchOptions(String dialect, URI target, int rooms, int peersPerRoom, int payloadBytes, int ratePerPeer, int window,
                           Duration warmup, Duration duration, Duration drain, int idleConnections, Duration hold,
                           List<InetAddress> sourceAddresses, long serverPid, int ioThreads) {
    public static final Duration MAX_DURATION = Duration.ofMinutes(10);
    public static final int MAX_CONNECTIONS = 100_000;

    public static final List<String> DIALECTS = List.of("y-webrtc", "named-peer", "rendezvous", "radix");

    public BenchOptions {
        if (!DIALECTS.contains(dialect)) {
            throw new IllegalArgumentException("dialect must be one of " + DIALECTS + ": " + dialect);
        }
        if (!dialect.equals("y-webrtc") && ratePerPeer == 0) {
            throw new IllegalArgumentException("closed loop needs an echo: only y-webrtc; give the others a --rate");
        }
        if (dialect.equals("radix") && peersPerRoom != 2 && idleConnections == 0) {
            throw new IllegalArgumentException("radix pairs a wallet with an extension: --peers must be 2");
        }
        Objects.requireNonNull(target, "target");
        if (!"ws".equals(target.getScheme()) || target.getHost() == null || target.getPort() <= 0) {
            throw new IllegalArgumentException("target must be ws://host:port/path: " + target);
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
            if (d.isNegative() || d.compareTo(MAX_DURATION) > 0) {
                throw new IllegalArgumentException("durations must be within 0..10 minutes: " + d);
            }
        }
        sourceAddresses = List.copyOf(sourceAddresses);
    }

    public int connections() {
        return idleConnections > 0 ? idleConnections : rooms * peersPerRoom;
    }

    /** Deliveries one message makes: every subscriber for y-webrtc, the one target otherwise. */
    public int fanOut() {
        return dialect.equals("y-webrtc") ? peersPerRoom : 1;
    }

    public boolean openLoop() {
        return ratePerPeer > 0;
    }

    private static void check(String name, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "]: " + v);
        }
    }
}
