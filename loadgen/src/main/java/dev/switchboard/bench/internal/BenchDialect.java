package dev.switchboard.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What a load-generator peer does that depends on its dialect: where it connects, what it sends once connected,
 * and how it learns whom its messages go to. Everything else (the schedule, the stamps, the counting) is the
 * same for every dialect.
 */
public interface BenchDialect {

    /** What a peer lets its dialect do. */
    interface Peer {
        int index();

        /** The room (topic, pairing, named-peer group) this peer belongs to. */
        String room();

        /** Sends a control frame at once (subscribe, login, register). */
        void send(String frame);

        /** The peer can send: its messages are {@code head} + the measured object + {@code tail}. */
        void ready(String head, String tail);

        /**
         * The server confirmed the peer's join (a subscription answered, a login accepted): the end of its
         * handshake, as storm and re-home modes time it.
         */
        void joined();

        /** Whether {@link #ready} was called. */
        boolean isReady();

        /** The run cannot go on for this peer. */
        void fail(String why);
    }

    String name();

    /** The URL path a peer connects to, given the target's own path. */
    String path(int index, String room, int peersPerRoom, String basePath);

    /** The connection is open. */
    void opened(Peer peer);

    /** A frame that is not a measured message arrived (an answer, a notice): learn from it. */
    void control(Peer peer, JsonNode message, int peersPerRoom);

    /**
     * Refuses a load this dialect cannot run, with a message for the command line. By default a closed loop
     * (no rate) is refused: it needs the sender to hear its own message, which only y-webrtc does.
     */
    default void check(int ratePerPeer, int peersPerRoom, int idleConnections) {
        if (ratePerPeer == 0) {
            throw new IllegalArgumentException("closed loop needs an echo: only y-webrtc; give the others a --rate");
        }
    }

    /** Deliveries one message makes: every member of the room for y-webrtc, the one target otherwise. */
    default int fanOut(int peersPerRoom) {
        return 1;
    }

    List<String> NAMES = List.of("y-webrtc", "named-peer", "rendezvous", "radix", "peerjs");

    /** The dialect of {@code name} (one of {@link #NAMES}). */
    static BenchDialect of(String name) {
        return switch (name) {
            case "y-webrtc" -> new YWebrtcBench();
            case "named-peer" -> new NamedPeerBench();
            case "rendezvous" -> new RendezvousBench();
            case "radix" -> new RadixBench();
            case "peerjs" -> new PeerJsBench();
            default -> throw new IllegalArgumentException("dialect must be one of " + NAMES + ": " + name);
        };
    }
}
