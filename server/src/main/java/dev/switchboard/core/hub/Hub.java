package dev.switchboard.core.hub;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.JoinResult;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.BusListener;
import dev.switchboard.core.hub.internal.Membership;
import dev.switchboard.core.hub.internal.Moves;
import dev.switchboard.core.hub.internal.Room;
import dev.switchboard.core.hub.internal.Rooms;
import dev.switchboard.core.hub.internal.Routing;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The core of Switchboard: rooms of members, a message to a room or to one member, and membership events,
 * across the cluster that its {@link Bus} reaches. It knows no transport and no dialect: members bring an
 * {@link Endpoint} to write to, messages come encoded, and each dialect registers a {@link MembershipHandler}
 * for its namespace.
 *
 * <p>Thread-safe; called from any event loop. Local members are served directly, never through the bus, so a
 * node keeps relaying between its own members while the cluster is unreachable. Operations from one thread
 * are applied in call order, locally and (by the bus contract) on other nodes.
 *
 * <p>Three collaborators do the work: {@link Rooms} (the rooms this node follows), {@link Membership} (joins,
 * leaves and who hears of whom) and {@link Routing} (where a message goes). A room exists while this node
 * holds members of it (or claims for it) and is dropped after.
 */
public final class Hub implements BusListener {
    private final Bus bus;
    private final Rooms rooms;
    private final Membership membership;
    private final Routing routing;
    private final Moves moves;
    /** By namespace; set while the node starts, read for every message from another node. */
    private final Map<String, dev.switchboard.core.ArrivalWatcher> watchers = new ConcurrentHashMap<>();

    private final ResumeLimits resumeLimits;
    private final ResumeStats resumeStats = new ResumeStats();

    /** A hub with the default resume limits ({@link ResumeLimits#DEFAULT}). */
    public Hub(Bus bus) {
        this(bus, ResumeLimits.DEFAULT);
    }

    public Hub(Bus bus, ResumeLimits resumeLimits) {
        this.bus = Objects.requireNonNull(bus, "bus");
        this.resumeLimits = Objects.requireNonNull(resumeLimits, "resumeLimits");
        // Handlers are set before the first join (each dialect sets its own when it is made): a namespace's rooms
        // keep their members' positions only if someone hears of membership there.
        Map<String, MembershipHandler> handlers = new ConcurrentHashMap<>();
        this.rooms = new Rooms(bus, handlers::containsKey);
        this.moves = new Moves(bus, rooms, resumeStats);
        this.routing = new Routing(bus, rooms, resumeLimits, resumeStats, moves);
        this.membership = new Membership(bus, rooms, handlers, resumeLimits, resumeStats, routing, moves);
        bus.start(this);
    }

    public String nodeId() {
        return bus.nodeId();
    }

    public Bus bus() {
        return bus;
    }

    /** Sets the membership handler of a namespace (one per dialect). */
    public void handle(String namespace, MembershipHandler handler) {
        membership.handle(namespace, handler);
    }

    /**
     * Joins {@code member} to a room. The stage completes once the cluster has registered the member, with the
     * members registered before it; every change after that reaches the member through its dialect's
     * {@link MembershipHandler}, from the moment the stage completes (a dialect that answers the join holds
     * those events until its answer is out). So each member learns of each other member exactly once, in its
     * list or by one event, and of its departure once, after that, on one node and across nodes.
     *
     * <p>With {@link JoinPolicy#SHARED} the member is in the room (receives its traffic) at once; otherwise
     * once the cluster granted the id. Joining twice is a no-op that reports the current members. A caller
     * whose connection closed while the stage was pending must {@link #leave} afterwards.
     */
    public CompletionStage<JoinResult> join(RoomKey key, LocalMember member, JoinPolicy policy) {
        return membership.join(key, member, policy);
    }

    /** Removes the member from the room; others see it leave. A no-op if it is not a member. */
    public void leave(RoomKey key, LocalMember member) {
        membership.leave(key, member);
    }

    /**
     * The member's connection dropped without its asking to leave (the network failed, it stopped answering):
     * a member that may resume ({@link MemberInfo#RESUME}) is parked for the resume window — the others see no
     * leave, what is sent to it is kept, and a {@link JoinPolicy#RESUME} join takes it over
     * (docs/design/resume.md); true then. Otherwise (or with resume off) it leaves as with {@link #leave}.
     */
    public boolean disconnected(RoomKey key, LocalMember member) {
        return membership.disconnected(key, member);
    }

    public ResumeLimits resumeLimits() {
        return resumeLimits;
    }

    /** What resume did on this node, for /metrics. */
    public ResumeStats resumeStats() {
        return resumeStats;
    }

    /** Delivers to every member of the room in the cluster except {@code exceptId} (may be null). */
    public void broadcast(RoomKey key, Envelope envelope, String exceptId) {
        routing.broadcast(key, envelope, exceptId);
    }

    /**
     * Delivers to one member of the room, wherever it is. Completes with {@code true} when it was written to a
     * local member or handed to the live node that holds it, {@code false} when no such member exists.
     */
    public CompletionStage<Boolean> send(RoomKey key, String memberId, Envelope envelope) {
        return routing.send(key, memberId, envelope);
    }

    /** Members of the room cluster-wide; already complete when this node follows the room and has seeded it. */
    public CompletionStage<Integer> count(RoomKey key) {
        return routing.count(key);
    }

    /**
     * The member count when this node follows the room, or -1 when only the cluster knows it: also while a room
     * new here awaits its first read of the cluster, when it would count this node's members alone.
     */
    public int knownCount(RoomKey key) {
        return routing.knownCount(key);
    }

    /**
     * What this node knows of one member of a room it follows (local or on another node); empty when the room
     * is not followed here or has no such member.
     */
    public Optional<MemberInfo> member(RoomKey key, String memberId) {
        return routing.member(key, memberId);
    }

    /**
     * Whether this node knows the room's member {@code memberId} (as {@link #member} would find it), without
     * making its {@link MemberInfo}: the check a relay makes per message.
     */
    public boolean has(RoomKey key, String memberId) {
        return routing.has(key, memberId);
    }

    /**
     * The metadata value {@code name} of a member this node knows (as {@link #member} would find it), or null
     * when there is no such member or value; without making its {@link MemberInfo}.
     */
    public String memberMeta(RoomKey key, String memberId, String name) {
        return routing.memberMeta(key, memberId, name);
    }

    /** Every member of the room in the cluster. */
    public CompletionStage<List<MemberInfo>> members(RoomKey key) {
        return bus.members(key);
    }

    /** Rooms with at least one member on this node. */
    public int roomCount() {
        return rooms.size();
    }

    /** Rooms with a member on this node, by namespace; walks them all (for the dashboard). */
    public java.util.Map<String, Integer> roomCountByNamespace() {
        return rooms.countByNamespace();
    }

    // ---- bus events: changes made on other nodes ----

    /** Shows {@code watcher} every message from another node for this node's members of {@code namespace}. */
    public void watchArrivals(String namespace, dev.switchboard.core.ArrivalWatcher watcher) {
        watchers.put(namespace, watcher);
    }

    @Override
    public void message(RoomKey key, String targetId, String exceptId, Envelope envelope) {
        dev.switchboard.core.ArrivalWatcher watcher = watchers.get(key.namespace());
        if (watcher != null) {
            watcher.arrived(key, targetId, envelope);
        }
        routing.message(key, targetId, exceptId, envelope);
    }

    @Override
    public void joined(RoomKey key, MemberInfo member, long seq) {
        membership.joined(key, member, seq);
    }

    @Override
    public void left(RoomKey key, MemberInfo member, LeaveReason reason, long seq) {
        membership.left(key, member, reason, seq);
    }

    @Override
    public void evicted(RoomKey key, MemberInfo member) {
        membership.evicted(key, member);
    }

    @Override
    public void fence(RoomKey key, String memberId, String requester, long fenceId) {
        moves.fence(key, memberId, requester, fenceId);
    }

    @Override
    public void fencePassed(RoomKey key, long fenceId) {
        moves.fencePassed(fenceId);
    }

    @Override
    public void reconnected() {
        membership.reconnected();
    }

    @Override
    public boolean holds(RoomKey key, String memberId) {
        Room room = rooms.get(key);
        return room != null && room.local(memberId) != null;
    }
}
