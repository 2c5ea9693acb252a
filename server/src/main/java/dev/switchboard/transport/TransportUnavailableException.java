package dev.switchboard.transport;

/** The transport a node was configured with is not available on this platform; the cause is the platform's reason. */
public final class TransportUnavailableException extends IllegalStateException {
    public TransportUnavailableException(IoTransport transport, Throwable reason) {
        super("the " + transport.name().toLowerCase(java.util.Locale.ROOT) + " transport is not available here",
                reason);
    }
}
