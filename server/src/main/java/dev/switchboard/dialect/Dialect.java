package dev.switchboard.dialect;

/**
 * A wire protocol spoken over WebSocket: a thin adapter between its messages and the core hub.
 * Implementations are thread-safe and shared by all their connections.
 */
public interface Dialect {

    /** Short stable name, used in metrics and logs (e.g. {@code y-webrtc}). */
    String name();

    /**
     * The names of the dialects a connection routed here may speak: its own, or (for a dialect that decides by
     * the first message) each it may become. Rules that depend on the dialect, such as auth, take the strictest.
     */
    default String[] names() {
        return new String[] {name()};
    }

    /** Largest message accepted, in bytes; larger closes the connection with 1009. */
    int maxMessageBytes();

    /** Starts a session on a connection whose upgrade this dialect accepted. Must not block. */
    DialectSession open(Connection connection, Handshake handshake);
}
