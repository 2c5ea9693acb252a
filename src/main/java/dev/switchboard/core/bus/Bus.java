package dev.switchboard.core.bus;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Carries membership and messages between the nodes of a cluster. The {@link dev.switchboard.core.Hub}
 * serves its own node's members itself; the bus only reaches the others.
 *
 * <p>Contract, which every implementation keeps:
 * <ul>
 *   <li>Asynchronous: no method blocks the caller; results come as {@link CompletionStage}s.</li>
 *   <li>Ordered per sender: calls made from one thread reach each other node in the order they were made,
 *       so an SDP offer is never overtaken by its own ICE candidates.</li>
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
     * atomic across the cluster.
     */
    CompletionStage<Claim> claim(RoomKey room, MemberInfo member, JoinPolicy policy);

    /** Removes a member's registration; other nodes see it leave with {@code reason}. */
    void release(RoomKey room, MemberInfo member, LeaveReason reason);

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

    /** The answer to a {@link #claim}: granted, with the other members at that moment, or refused. */
    record Claim(boolean granted, List<MemberInfo> others, MemberInfo holder) {
        public static Claim granted(List<MemberInfo> others) {
            return new Claim(true, List.copyOf(others), null);
        }

        public static Claim refused(MemberInfo holder) {
            return new Claim(false, List.of(), holder);
        }
    }
}
