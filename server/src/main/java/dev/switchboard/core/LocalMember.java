package dev.switchboard.core;

import java.util.Map;

/**
 * A member whose connection is on this node. One connection may be a member of many rooms under the same
 * id (a y-webrtc socket subscribed to several topics), so implementations are usually the dialect session.
 */
public interface LocalMember {
    /** Unique within each room the member joins. */
    String id();

    /** Metadata published with the membership (see {@link MemberInfo#metadata()}); empty by default. */
    default Map<String, String> metadata() {
        return Map.of();
    }

    Endpoint endpoint();

    /**
     * Called when the cluster removed this member from a room without it asking, e.g. because another
     * connection took over its identity. The member should close its connection with its dialect's code.
     */
    default void evicted(RoomKey room, String reason) {
    }
}
