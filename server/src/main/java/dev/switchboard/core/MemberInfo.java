package dev.switchboard.core;

import java.util.Map;
import java.util.Objects;

/**
 * What the cluster knows of one member of one room: its id (unique in the room), the node holding its
 * connection, and small dialect metadata (a public key, a role) that other peers are told about.
 */
public record MemberInfo(String id, String nodeId, Map<String, String> metadata) {
    /**
     * The metadata key of a member that may resume (docs/design/resume.md): its value is a digest of the proof the
     * peer must show to come back (a token's, a resume secret's, a public key's). A member with it is parked,
     * not removed, when its connection drops, and only a {@link JoinPolicy#RESUME} join with the same value
     * takes it over.
     */
    public static final String RESUME = "resume";

    public MemberInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(nodeId, "nodeId");
        metadata = metadata == null || metadata.isEmpty() ? Map.of() : Map.copyOf(metadata);
    }

    public String meta(String key) {
        return metadata.get(key);
    }

    /** Whether the member may resume after its connection drops (it carries {@link #RESUME}). */
    public boolean resumable() {
        return metadata.containsKey(RESUME);
    }
}
