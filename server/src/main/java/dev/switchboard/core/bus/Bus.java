package dev.switchboard.core.bus;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Carries membership and messages between the nodes of a cluster. The {@link dev.switchboard.core.hub.Hub}
 * serves its own node's members itself; the bus only reaches the others.
 *
 * <p>Contract, which every implementation keeps:
 * <ul>
 *   <li>Asynchronous: no method blocks the caller; results come as {@link CompletionStage}s.</li>
 *   <li>Ordered per sender: calls made from one thread reach each other node in the order they were made,
 *       so an SDP offer is never overtaken by its own ICE candidates.</li>
 *   <li>Sequenced membership: every change to a room's membership (a claim, a release, a removal by the
 *       cluster) takes the next number of that room's sequence, atomically with the change, and each
 *       listener event and claim answer carries it. The numbers only grow for as long as any node may still
 *       hold events of the room; they are what lets every node tell, for each of its members, which changes
 *       happened before its join (in its list) and which after (told as events): see
 *       {@code docs/design/membership.md}.</li>
 *   <li>Failure-aware: when the bus cannot reach the cluster, {@link #status()} says so, pending stages
 *       fail instead of hanging, and the node keeps serving its own members; when the cluster is back the
 *       bus re-registers this node's members (the node's local state is the truth for them).</li>
 *   <li>Listener callbacks report changes made on <em>other</em> nodes only, plus evictions and removals
 *       the cluster made on its own (a lost node's members). They run on bus threads and must not block.</li>
 * </ul>
 */
public interface Bus extends AutoCloseable {

    /** This node's id, unique in the cluster. */
    String nodeId();

    /** Starts delivering to {@code listener}; called once, before any other method. */
    void start(BusListener listener);

    /**
     * Registers a member of a room cluster-wide. With {@link JoinPolicy#EXCLUSIVE} the claim is refused when
     * another member holds the id; with {@link JoinPolicy#TAKEOVER} that member is evicted. The claim is
     * atomic across the cluster, and a granted one takes the next position in the room's membership order
     * (see {@link Claim#seq}).
     */
    CompletionStage<Claim> claim(RoomKey room, MemberInfo member, JoinPolicy policy);

    /**
     * Removes a member's registration; other nodes see it leave with {@code reason}. Completes with the
     * leave's position in the room's membership order, or 0 when no registration of this member by its node
     * was there to remove.
     */
    CompletionStage<Long> release(RoomKey room, MemberInfo member, LeaveReason reason);

    /** Every member of the room, cluster-wide, in join order. */
    CompletionStage<List<MemberInfo>> members(RoomKey room);

    /**
     * This node holds members of the room: deliver the room's messages and membership changes to it. Completes
     * once delivery is in place (what is published to the room from then on reaches this node).
     */
    CompletionStage<Void> follow(RoomKey room);

    /** This node holds no more members of the room. */
    void unfollow(RoomKey room);

    /** Delivers to the members of the room on every other node, except the member {@code exceptId}. */
    void publish(RoomKey room, Envelope envelope, String exceptId);

    /**
     * Delivers to one member on another node. Completes with {@code true} when the message was handed to
     * the node that holds the member, {@code false} when no live node holds it.
     */
    CompletionStage<Boolean> send(RoomKey room, MemberInfo target, Envelope envelope);

    BusStatus status();

    /** Deregisters every member of this node at once, so others see them leave, and releases resources. */
    @Override
    void close();

    /**
     * The answer to a {@link #claim}: granted at position {@code seq} of the room's membership order, with the
     * other members registered at that moment (those before it in the order) and, for a takeover, the member
     * it replaced ({@code holder}, null if none); or refused because {@code holder} has the id.
     */
    record Claim(boolean granted, long seq, List<MemberInfo> others, MemberInfo holder) {
        public static Claim granted(long seq, List<MemberInfo> others, MemberInfo replaced) {
            return new Claim(true, seq, List.copyOf(others), replaced);
        }

        public static Claim refused(MemberInfo holder) {
            return new Claim(false, 0, List.of(), holder);
        }
    }
}
