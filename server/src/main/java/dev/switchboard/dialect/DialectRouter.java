package dev.switchboard.dialect;

/**
 * Chooses the dialect of a WebSocket upgrade from its path and query (docs/design/routing.md), or refuses it.
 */
public interface DialectRouter {

    /** The dialect for this upgrade, or null to refuse it with 404. */
    Dialect route(Handshake handshake);
}
