package dev.switchboard;

import dev.switchboard.core.bus.Bus;

/**
 * Connects a node to a cluster bus named by a URI (the {@code redis} option). A module that offers a bus
 * (switchboard-redis) lists its provider in {@code META-INF/services/dev.switchboard.BusProvider}; the node
 * asks each provider found by {@link java.util.ServiceLoader} in turn and uses the first that supports the URI.
 */
public interface BusProvider {
    /** Whether this provider connects to {@code uri} (decided by its scheme). */
    boolean supports(String uri);

    /**
     * Connects and returns the bus, not yet started. Throws when the bus cannot be reached: the node reports that
     * as "cannot reach" the URI and exits with the start-failure code.
     */
    Bus connect(String uri, String nodeId, SwitchboardConfig config);

    /**
     * As {@link #connect(String, String, SwitchboardConfig)}, offered the node's network event loops: a bus whose
     * connections can run on them saves a thread hand-off per message each way. {@code epollLoops} is null when the
     * node's transport is not epoll. The node shuts them down after it closed the bus.
     */
    default Bus connect(String uri, String nodeId, SwitchboardConfig config, io.netty.channel.EventLoopGroup epollLoops) {
        return connect(uri, nodeId, config);
    }
}
