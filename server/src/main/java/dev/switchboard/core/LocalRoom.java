package dev.switchboard.core;

import java.util.List;

/**
 * The members of a room held by this node, handed to a {@link MembershipHandler} so it can tell them of a
 * membership change. Delivery through it stays on this node: every node tells its own members.
 */
public interface LocalRoom {
    RoomKey key();

    List<LocalMember> members();

    /** Delivers to every local member except the one with id {@code exceptId} (may be null). */
    void deliver(Envelope envelope, String exceptId);
}
