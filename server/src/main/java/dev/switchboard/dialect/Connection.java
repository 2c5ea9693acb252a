package dev.switchboard.dialect;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;

/**
 * A client connection as a dialect sees it, whatever the transport. All methods may be called from any
 * thread; {@link #execute} runs a task on the connection's own thread, where its session's callbacks run.
 */
public interface Connection extends Endpoint {

    /** Unique in the cluster for the life of the node. */
    String id();

    String remoteAddress();

    /** Sends one text message. */
    void send(byte[] utf8Text);

    /** Sends an already built envelope (shares its encoding with other receivers). */
    default void send(Envelope envelope) {
        outlet().deliver(envelope, this);
    }

    /** Starts the close handshake with {@code code} and {@code reason}; a no-op once closing. */
    void close(int code, String reason);

    boolean isOpen();

    /**
     * Once closed: whether the connection ended without either side choosing to end it — it broke without a close
     * frame, the client stopped answering pings, or stopped reading. A dialect parks such a member for resume
     * (docs/design/resume.md) instead of letting it leave.
     */
    default boolean lost() {
        return false;
    }

    /** Runs {@code task} on the connection's own thread (after what is queued there). */
    void execute(Runnable task);

    /**
     * Counts something the connection asked for and was refused without being closed (a y-webrtc subscribe to
     * a topic its token does not grant), in {@code switchboard_refused_total{dialect,reason}}.
     */
    default void refused(String reason) {
    }

    /**
     * Counts a negotiation step the connection's client sent from peer {@code from} to peer {@code to} in
     * {@code room} (docs/design/telemetry.md). Called only for offers, answers and candidates.
     */
    default void signaled(String room, String from, String to, dev.switchboard.metrics.Negotiations.Signal kind) {
    }

    /** Names the dialect for metrics once a session is chosen (a shared path picks it on the first frame). */
    void dialect(String name);
}
