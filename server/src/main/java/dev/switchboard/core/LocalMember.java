package dev.switchboard.core;

import java.util.Map;

/**
 * A member whose connection is on this node. One connection may be a member of many rooms under the same
 * id (a y-webrtc socket subscribed to several topics), so implementations are usually the dialect session.
 */
public interface LocalMember {
    /** {@link #evicted} reasons: another connection took the id over, or the same peer resumed on another one. */
    String REPLACED = "replaced";
    String RESUMED = "resumed";

    /** Unique within each room the member joins. */
    String id();

    /** Metadata published with the membership (see {@link MemberInfo#metadata()}); empty by default. */
    default Map<String, String> metadata() {
        return Map.of();
    }

    Endpoint endpoint();

    /**
     * Called when the cluster removed this member from a room without it asking, because another connection took
     * over its identity ({@link #REPLACED}) or the same peer resumed on another connection ({@link #RESUMED}). The
     * member should close its connection with its dialect's code.
     */
    default void evicted(RoomKey room, String reason) {
    }
}
