package dev.switchboard.dialect;

import java.util.function.Predicate;

/**
 * Serves two dialects on the same paths, telling them apart by a connection's first message:
 * {@code {"type":"login"}} means named-peer, anything else y-webrtc (docs/design/routing.md). Until the first
 * message arrives the connection belongs to neither; from then on the chosen dialect's session gets every message,
 * the first included.
 */
public final class FirstFrameSelector implements Dialect {
    /** Metrics label of a connection that has not sent its first message yet. */
    public static final String UNIDENTIFIED = "unidentified";

    private final Dialect fallback;
    private final Dialect alternative;
    private final Predicate<byte[]> choosesAlternative;

    /**
     * @param fallback            the dialect of a connection whose first message does not match
     * @param alternative         the dialect of a connection whose first message matches
     * @param choosesAlternative  tests the first message; must not block and must tolerate any bytes
     */
    public FirstFrameSelector(Dialect fallback, Dialect alternative, Predicate<byte[]> choosesAlternative) {
        this.fallback = fallback;
        this.alternative = alternative;
        this.choosesAlternative = choosesAlternative;
    }

    @Override
    public String name() {
        return UNIDENTIFIED;
    }

    @Override
    public String[] names() {
        return new String[] {fallback.name(), alternative.name()};
    }

    @Override
    public int maxMessageBytes() {
        return Math.max(fallback.maxMessageBytes(), alternative.maxMessageBytes());
    }

    @Override
    public DialectSession open(Connection connection, Handshake handshake) {
        return new Pending(connection, handshake);
    }

    /** A connection before its first message; it lets go of the handshake once the dialect is chosen. */
    private final class Pending implements DialectSession {
        private Connection connection;
        private Handshake handshake;
        private DialectSession chosen;

        Pending(Connection connection, Handshake handshake) {
            this.connection = connection;
            this.handshake = handshake;
        }

        @Override
        public void onMessage(byte[] data, boolean binary) {
            if (chosen == null) {
                Dialect dialect = choosesAlternative.test(data) ? alternative : fallback;
                if (data.length > dialect.maxMessageBytes()) {
                    connection.close(1009, "Max message size exceeded");
                    return;
                }
                chosen = dialect.open(connection, handshake);
                connection = null; // held per connection for its whole life: keep only what is needed
                handshake = null;
            }
            chosen.onMessage(data, binary);
        }

        @Override
        public void onClose() {
            if (chosen != null) {
                chosen.onClose();
            }
        }
    }
}
