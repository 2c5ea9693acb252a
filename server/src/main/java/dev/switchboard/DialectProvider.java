package dev.switchboard;

import dev.switchboard.core.hub.Hub;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.Handshake;

/**
 * A WebSocket dialect from outside the server module. Listed in
 * {@code META-INF/services/dev.switchboard.DialectProvider}, found with {@link java.util.ServiceLoader} when a
 * node starts; its paths are matched before the built-in ones (docs/design/routing.md), so it must claim only
 * requests that are clearly its own (a path prefix of its own, say).
 */
public interface DialectProvider {
    /** Whether this upgrade request is for the provided dialect. */
    boolean matches(Handshake handshake);

    /** The dialect for a node, on that node's hub; called once per node. */
    Dialect create(Hub hub, SwitchboardConfig config);
}
