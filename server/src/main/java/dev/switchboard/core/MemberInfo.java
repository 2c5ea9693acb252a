package dev.switchboard.core;

import java.util.Map;
import java.util.Objects;

/**
 * What the cluster knows of one member of one room: its id (unique in the room), the node holding its
 * connection, and small dialect metadata (a public key, a role) that other peers are told about.
 */
public record MemberInfo(String id, String nodeId, Map<String, String> metadata) {
    public MemberInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(nodeId, "nodeId");
        metadata = metadata == null || metadata.isEmpty() ? Map.of() : Map.copyOf(metadata);
    }

    public String meta(String key) {
        return metadata.get(key);
    }
}
