package dev.switchboard.core.bus;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;

/** What a {@link Bus} reports to its node. Implemented by the hub. */
public interface BusListener {

    /** A message for this node's members of the room: one member ({@code targetId}) or all but {@code exceptId}. */
    void message(RoomKey room, String targetId, String exceptId, Envelope envelope);

    /** A member joined on another node, at position {@code seq} of the room's membership order. */
    void joined(RoomKey room, MemberInfo member, long seq);

    /**
     * A member of another node left, or was removed by the cluster (its node was lost), at position
     * {@code seq} of the room's membership order. Also reported: this node's own member replaced by a
     * takeover made on another node ({@link LeaveReason#REPLACED}), and removed by a node that took this one
     * for dead ({@link LeaveReason#NODE_LOST}).
     */
    void left(RoomKey room, MemberInfo member, LeaveReason reason, long seq);

    /**
     * A fence of node {@code requester} for the member {@code memberId}, which that node last knew here
     * ({@link Bus#fence}): passed on behind what this node forwards for the member, or answered where the
     * member is.
     */
    default void fence(RoomKey room, String memberId, String requester, long fenceId) {
    }

    /** This node's fence {@code fenceId} reached the member's node: its sends held behind it may go. */
    default void fencePassed(RoomKey room, long fenceId) {
    }

    /** This node's member lost its registration to a takeover; the hub closes it. */
    void evicted(RoomKey room, MemberInfo member);

    /**
     * The cluster is reachable again after an outage: the hub re-registers every member it holds (its local
     * state is the truth for them) and reconciles its view of the other nodes' members.
     */
    default void reconnected() {
    }

    /**
     * Whether this node still holds the member: the bus asks after an outage, to withdraw registrations of
     * members that left while the cluster could not be told.
     */
    boolean holds(RoomKey room, String memberId);
}
