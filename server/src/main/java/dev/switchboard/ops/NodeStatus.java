package dev.switchboard.ops;

import dev.switchboard.core.bus.BusStatus;
import java.util.Map;

/** What the operations endpoints report about a node. */
public interface NodeStatus {
    String nodeId();

    String version();

    /** Seconds since the node started. */
    double uptimeSeconds();

    int clientCount();

    Map<String, Integer> clientsByDialect();

    int roomCount();

    /** Rooms with a member on this node, by dialect (the rooms' namespace). */
    Map<String, Integer> roomsByDialect();

    BusStatus bus();

    String transport();

    /** TLS of the node's ports: {@code enabled}, then provider, certificate and its expiry when it is on. */
    default Map<String, Object> tls() {
        return Map.of("enabled", false);
    }

    /** True once every listener and service of the node is up (the gRPC server too, when configured). */
    boolean started();

    /** True once a graceful shutdown began: the node no longer takes new connections. */
    boolean draining();
}
