package dev.switchboard.core.bus;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.ResumeLimits;
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
 *       the cluster made on its own (a lost node's members). They run on bus threads, which may be the node's
 *       event loops (a bus that runs on them), and must not block, least of all wait for the bus.</li>
 *   <li>Resume (docs/design/resume.md): a {@link JoinPolicy#RESUME} claim is granted when the id is free or its
 *       holder carries the joiner's {@link MemberInfo#RESUME} value; it replaces the holder without a leave
 *       event (other nodes hear only its join, of an id they know already), and in the same atomic step takes
 *       the holder's mailbox if it was {@link #park parked}: a message {@link #mail}ed before the claim is in
 *       the answer, one mailed after it finds the member {@link Mail#GONE}. Where the bus outlives nodes, the
 *       clean-up of a dead node leaves its resumable members registered for the window, and removes them
 *       after it unless they resumed.</li>
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

    // ---- resume (docs/design/resume.md) ----

    /**
     * Parks a member of this node whose connection dropped: its registration stays as it is (nobody sees it
     * leave) and a mailbox is opened for it, empty, kept by the bus (so that it outlives this node where the bus
     * can) for {@code limits.window()}. What {@link #mail} puts there goes to the {@link JoinPolicy#RESUME} claim
     * that takes the member over. Ending the parking is the caller's: it releases the member when the window
     * ends.
     */
    CompletionStage<Void> park(RoomKey room, MemberInfo member, ResumeLimits limits);

    /**
     * Keeps a message for a parked member, in order after what is kept already. {@code member} is the parked
     * registration as the caller knows it; with {@code orOpen} the mailbox is opened if it is not (the member's
     * node died before it could park it: its registration is still that node's and resumable).
     */
    CompletionStage<Mail> mail(RoomKey room, MemberInfo member, Envelope envelope, ResumeLimits limits, boolean orOpen);

    /**
     * A fence behind this node's earlier sends to {@code at} (a member as this node last knew it: its id and
     * node), for the order of one sender's messages across a move of the member to another node
     * (docs/design/resume.md, "Order across a move"). It goes the way those sends went, so {@code at}'s node
     * receives it after them ({@link BusListener#fence}); that node passes it on behind its own forwarding of
     * them, and the node that holds the member answers {@code requester} ({@link #fencePassed}). Completes with
     * {@code true} when a live node took it, {@code false} when none did (nobody will answer). A bus that
     * cannot carry fences answers {@code false}: the hub then orders only what it can see itself.
     */
    default CompletionStage<Boolean> fence(RoomKey room, MemberInfo at, String requester, long fenceId) {
        return java.util.concurrent.CompletableFuture.completedFuture(false);
    }

    /** Tells node {@code requester} that its fence {@code fenceId} reached the member's node. */
    default void fencePassed(RoomKey room, String requester, long fenceId) {
    }

    /** What {@link #mail} did with a message. */
    enum Mail {
        /** Kept for the member's return. */
        KEPT,
        /** Dropped: the mailbox holds its most messages or bytes already. */
        FULL,
        /** Not parked (any more) under that registration: resumed elsewhere or gone; the caller routes it anew. */
        GONE
    }

    BusStatus status();

    /** Deregisters every member of this node at once, so others see them leave, and releases resources. */
    @Override
    void close();

    /**
     * The answer to a {@link #claim}: granted at position {@code seq} of the room's membership order, with the
     * other members registered at that moment (those before it in the order) and, for a takeover or a resume,
     * the member it replaced ({@code holder}, null if none); or refused because {@code holder} has the id. A
     * resume of a parked member carries its {@code mailbox} (in order, taken from the bus in the same atomic
     * step); null when the holder was not parked.
     */
    record Claim(boolean granted, long seq, List<MemberInfo> others, MemberInfo holder, List<Envelope> mailbox) {
        public static Claim granted(long seq, List<MemberInfo> others, MemberInfo replaced) {
            return new Claim(true, seq, List.copyOf(others), replaced, null);
        }

        /** A resume's answer: {@code mailbox} null when the replaced holder (if any) was not parked. */
        public static Claim resumed(long seq, List<MemberInfo> others, MemberInfo replaced, List<Envelope> mailbox) {
            return new Claim(true, seq, List.copyOf(others), replaced, mailbox == null ? null : List.copyOf(mailbox));
        }

        public static Claim refused(MemberInfo holder) {
            return new Claim(false, 0, List.of(), holder, null);
        }
    }
}
