package dev.switchboard.core.hub;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.JoinResult;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.BusListener;
import dev.switchboard.core.hub.internal.Audience;
import dev.switchboard.core.hub.internal.Room;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
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
 * <p>A room exists while this node holds members of it and is dropped when its last local member leaves.
 */
public final class Hub implements BusListener {
    private final Bus bus;
    private final String nodeId;
    private final ConcurrentHashMap<RoomKey, Room> rooms = new ConcurrentHashMap<>();
    private final Map<String, MembershipHandler> handlers = new ConcurrentHashMap<>();

    public Hub(Bus bus) {
        this.bus = Objects.requireNonNull(bus, "bus");
        this.nodeId = bus.nodeId();
        bus.start(this);
    }

    public String nodeId() {
        return nodeId;
    }

    public Bus bus() {
        return bus;
    }

    /** Sets the membership handler of a namespace (one per dialect). */
    public void handle(String namespace, MembershipHandler handler) {
        handlers.put(namespace, Objects.requireNonNull(handler, "handler"));
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
        MemberInfo info = new MemberInfo(member.id(), nodeId, member.metadata());
        boolean shared = policy == JoinPolicy.SHARED;
        Room room;
        while (true) {
            room = roomFor(key);
            synchronized (room) {
                if (room.isRetired()) {
                    continue; // dropped concurrently; take a fresh one
                }
                if (shared && room.contains(member)) {
                    return CompletableFuture.completedFuture(JoinResult.joined(othersOf(room, member.id(), true)));
                }
                if (shared) {
                    room.add(member, Room.PENDING);
                }
                room.claimStarted();
                break;
            }
        }
        Room joined = room;
        CompletableFuture<JoinResult> result = new CompletableFuture<>();
        // Claimed once this node receives the room: every change after the claim then reaches this node, so
        // the joiner hears of each (see answered).
        CompletionStage<Bus.Claim> claim = joined.seeded().thenCompose(v -> bus.claim(key, info, policy));
        if (!joined.isSeeded()) {
            // a room new here: its direct sends wait for the claim, so that the member's first message does not
            // reach someone who cannot yet find it to answer
            joined.afterQueuedSends(() -> claim.handle((c, error) -> true));
        }
        claim.whenComplete((c, error) -> answered(joined, member, info, policy, c, error, result));
        return result;
    }

    /**
     * Applies a claim's answer. The claim's list holds the members before the joiner in the room's order; the
     * changes after it that reached this node before the answer are told to the joiner now, and later ones as
     * they come (see {@link Room#audience}). Everyone here before the joiner hears of it.
     */
    private void answered(Room room, LocalMember member, MemberInfo info, JoinPolicy policy, Bus.Claim claim,
                          Throwable error, CompletableFuture<JoinResult> result) {
        MembershipHandler handler = handler(room.key());
        JoinResult answer = null;
        List<LocalMember> evicted = List.of();
        boolean gone = false;
        synchronized (room) {
            if (error != null) {
                if (policy == JoinPolicy.SHARED && room.sequence(member, Room.UNSEQUENCED)) {
                    // the cluster cannot be reached: the member is in this node's room all the same, knows what
                    // this node knows, and hears of what this node sees next
                    answer = JoinResult.joined(othersOf(room, member.id(), false));
                    emit(room, new Room.Change(Long.MAX_VALUE, info, true, null), handler);
                }
            } else if (!claim.granted()) {
                answer = JoinResult.taken(claim.holder());
            } else {
                boolean present = policy == JoinPolicy.SHARED ? room.sequence(member, claim.seq())
                        : room.add(member, claim.seq());
                if (present) {
                    room.policy(member, policy);
                }
                if (claim.holder() != null) {
                    evicted = replaced(room, claim.holder(), member, claim.seq(), handler);
                }
                if (present && handler != MembershipHandler.NONE) {
                    List<LocalMember> joiner = List.of(member);
                    for (Room.Change change : room.changesAfter(claim.seq())) {
                        tell(room, change, joiner, handler);
                    }
                }
                // told here even if the member already left: its release follows, and whoever lists it (a later
                // joiner, from the cluster's list) must hear that
                emit(room, new Room.Change(claim.seq(), info, true, null), handler);
                gone = !present && policy == JoinPolicy.SHARED;
                answer = JoinResult.joined(claim.others());
            }
            room.claimAnswered();
        }
        if (gone) {
            withdraw(room.key(), info); // it left while its claim was on its way
        }
        for (LocalMember m : evicted) {
            m.evicted(room.key(), "replaced");
        }
        retireIfEmpty(room);
        if (answer == null) {
            result.completeExceptionally(error);
        } else {
            result.complete(answer);
        }
    }

    /** A takeover's replaced member leaves, at the takeover's position (before the new holder joins). */
    private List<LocalMember> replaced(Room room, MemberInfo holder, LocalMember keep, long seq,
                                       MembershipHandler handler) {
        if (holder.nodeId().equals(nodeId)) {
            return evictLocked(room, holder.id(), keep, seq);
        }
        if (room.removeRemote(holder)) {
            emit(room, new Room.Change(seq, holder, false, LeaveReason.REPLACED), handler);
        }
        return List.of();
    }

    /** Removes the member from the room; others see it leave. A no-op if it is not a member. */
    public void leave(RoomKey key, LocalMember member) {
        Room room = rooms.get(key);
        if (room == null) {
            return;
        }
        long seq = room.remove(member);
        if (seq == Long.MIN_VALUE) {
            return;
        }
        if (seq != Room.PENDING) {
            withdraw(key, new MemberInfo(member.id(), nodeId, member.metadata()));
        } // else: its claim's answer withdraws it
        retireIfEmpty(room);
    }

    /** Releases a member that left this node; this node's other members hear of it at the release's position. */
    private void withdraw(RoomKey key, MemberInfo info) {
        bus.release(key, info, LeaveReason.LEFT).whenComplete((seq, error) -> {
            Room room = rooms.get(key);
            if (room == null) {
                return;
            }
            synchronized (room) {
                if (error == null && seq == 0 && (room.remote(info.id()) != null || room.local(info.id()) != null)) {
                    return; // its registration was taken over, and the taker is known here: that was the news
                }
                // no position: the cluster could not be reached, or had lost the registration
                long at = error == null && seq != 0 ? seq : Long.MAX_VALUE;
                emit(room, new Room.Change(at, info, false, LeaveReason.LEFT), handler(key));
            }
        });
    }

    /**
     * Tells the local members that should hear of a change (those before it in the order), and records it for the
     * joiners whose claims are still unanswered. Runs under the room's lock, so one room's changes are told in
     * one order.
     */
    private void emit(Room room, Room.Change change, MembershipHandler handler) {
        if (handler == MembershipHandler.NONE) {
            return; // a namespace without membership events (y-webrtc): nobody to tell
        }
        if (change.seq() != Long.MAX_VALUE) {
            room.record(change);
        }
        List<LocalMember> audience = room.audience(change.seq(), change.member().id());
        if (!audience.isEmpty()) {
            tell(room, change, audience, handler);
        }
    }

    private static void tell(Room room, Room.Change change, List<LocalMember> audience, MembershipHandler handler) {
        if (audience.size() == 1 && audience.get(0).id().equals(change.member().id())) {
            return; // a change about the member itself
        }
        Audience to = new Audience(room.key(), audience);
        if (change.joined()) {
            handler.joined(change.member(), to);
        } else {
            handler.left(change.member(), change.reason(), to);
        }
    }

    /** Delivers to every member of the room in the cluster except {@code exceptId} (may be null). */
    public void broadcast(RoomKey key, Envelope envelope, String exceptId) {
        Room room = rooms.get(key);
        if (room != null) {
            room.deliver(envelope, exceptId);
        }
        bus.publish(key, envelope, exceptId);
    }

    /**
     * Delivers to one member of the room, wherever it is. Completes with {@code true} when it was written to a
     * local member or handed to the live node that holds it, {@code false} when no such member exists.
     */
    public CompletionStage<Boolean> send(RoomKey key, String memberId, Envelope envelope) {
        Room room = rooms.get(key);
        if (room == null) {
            return lookUpAndSend(key, memberId, envelope);
        }
        if (room.sendsQueued()) {
            return room.afterQueuedSends(() -> sendInRoom(room, key, memberId, envelope, true));
        }
        return sendInRoom(room, key, memberId, envelope, false);
    }

    /** {@code queued}: already running in the room's queue of sends (which must not wait on itself). */
    private CompletionStage<Boolean> sendInRoom(Room room, RoomKey key, String memberId, Envelope envelope,
                                                boolean queued) {
        LocalMember local = room.local(memberId);
        if (local != null) {
            local.endpoint().outlet().deliver(envelope, local.endpoint());
            return CompletableFuture.completedFuture(true);
        }
        MemberInfo remote = room.remote(memberId);
        if (remote != null) {
            return bus.send(key, remote, envelope);
        }
        // Not in this node's view: it may have joined elsewhere before the view caught up; ask the cluster,
        // and hold this room's later sends until this one has gone
        return queued ? lookUpAndSend(key, memberId, envelope)
                : room.afterQueuedSends(() -> lookUpAndSend(key, memberId, envelope));
    }

    private CompletionStage<Boolean> lookUpAndSend(RoomKey key, String memberId, Envelope envelope) {
        return bus.members(key).thenCompose(members -> {
            for (MemberInfo m : members) {
                if (m.id().equals(memberId) && !m.nodeId().equals(nodeId)) {
                    return bus.send(key, m, envelope);
                }
            }
            return CompletableFuture.completedFuture(false);
        });
    }

    /** Members of the room cluster-wide; already complete when this node follows the room and has seeded it. */
    public CompletionStage<Integer> count(RoomKey key) {
        Room room = rooms.get(key);
        if (room != null) {
            return room.seeded().thenApply(v -> room.count());
        }
        return bus.members(key).thenApply(List::size);
    }

    /**
     * The member count when this node follows the room, or -1 when only the cluster knows it: also while a room
     * new here awaits its first read of the cluster, when it would count this node's members alone.
     */
    public int knownCount(RoomKey key) {
        Room room = rooms.get(key);
        return room == null || !room.isSeeded() ? -1 : room.count();
    }

    /**
     * What this node knows of one member of a room it follows (local or on another node); empty when the room
     * is not followed here or has no such member.
     */
    public java.util.Optional<MemberInfo> member(RoomKey key, String memberId) {
        Room room = rooms.get(key);
        if (room == null) {
            return java.util.Optional.empty();
        }
        LocalMember local = room.local(memberId);
        if (local != null) {
            return java.util.Optional.of(new MemberInfo(local.id(), nodeId, local.metadata()));
        }
        return java.util.Optional.ofNullable(room.remote(memberId));
    }

    /** Every member of the room in the cluster. */
    public CompletionStage<List<MemberInfo>> members(RoomKey key) {
        return bus.members(key);
    }

    /** Rooms with at least one member on this node. */
    public int roomCount() {
        return rooms.size();
    }

    // ---- bus events: changes made on other nodes ----

    @Override
    public void message(RoomKey key, String targetId, String exceptId, Envelope envelope) {
        Room room = rooms.get(key);
        if (room == null) {
            return;
        }
        if (targetId == null) {
            room.deliver(envelope, exceptId);
            return;
        }
        LocalMember local = room.local(targetId);
        if (local != null) {
            local.endpoint().outlet().deliver(envelope, local.endpoint());
        }
    }

    @Override
    public void joined(RoomKey key, MemberInfo member, long seq) {
        Room room = rooms.get(key);
        if (room == null || member.nodeId().equals(nodeId)) {
            return;
        }
        synchronized (room) {
            MemberInfo before = room.putRemote(member);
            if (!member.equals(before)) { // a re-registration after an outage is not news
                emit(room, new Room.Change(seq, member, true, null), handler(key));
            }
        }
    }

    @Override
    public void left(RoomKey key, MemberInfo member, LeaveReason reason, long seq) {
        Room room = rooms.get(key);
        if (room == null) {
            return;
        }
        if (member.nodeId().equals(nodeId)) {
            if (reason == LeaveReason.REPLACED) {
                evictLocal(key, member.id(), null, seq); // taken over on another node
            } // NODE_LOST: this node was taken for dead; the bus registers its members again
            return;
        }
        synchronized (room) {
            if (room.removeRemote(member)) {
                emit(room, new Room.Change(seq, member, false, reason), handler(key));
            }
        }
    }

    @Override
    public void evicted(RoomKey key, MemberInfo member) {
        evictLocal(key, member.id(), null, Long.MAX_VALUE);
    }

    @Override
    public void reconnected() {
        for (Room room : rooms.values()) {
            RoomKey key = room.key();
            bus.follow(key);
            // Positions from before the outage mean nothing to a cluster that may have lost them; from now on
            // the view of the other nodes' members keeps anyone from hearing of a change twice.
            room.unsequenceAll();
            for (LocalMember m : room.members()) {
                MemberInfo info = new MemberInfo(m.id(), nodeId, m.metadata());
                JoinPolicy policy = room.policyOf(m);
                bus.claim(key, info, policy == JoinPolicy.SHARED ? JoinPolicy.SHARED : JoinPolicy.EXCLUSIVE)
                        .thenAccept(claim -> {
                            if (!claim.granted() && !claim.holder().nodeId().equals(nodeId)) {
                                // Someone else took the id while this node was cut off; theirs stands.
                                evictLocal(key, m.id(), null, Long.MAX_VALUE);
                            } else if (claim.granted() && room.local(m.id()) != m) {
                                // it left while the claim was on its way: its own release may have come first
                                bus.release(key, info, LeaveReason.LEFT);
                            }
                        });
            }
            reconcile(room, true);
        }
    }

    @Override
    public boolean holds(RoomKey key, String memberId) {
        Room room = rooms.get(key);
        return room != null && room.local(memberId) != null;
    }

    /**
     * Brings the view of the room's remote members in line with the cluster's. After an outage the differences
     * are announced; when a room is first followed they are not (its joiner learns the members from its join).
     */
    private CompletionStage<Void> reconcile(Room room, boolean announce) {
        return bus.members(room.key()).handle((members, error) -> {
            if (error != null) {
                return null; // the cluster is unreachable; the view is refreshed when it is back
            }
            List<MemberInfo> remote = new ArrayList<>(members.size());
            for (MemberInfo m : members) {
                if (!m.nodeId().equals(nodeId)) {
                    remote.add(m);
                }
            }
            synchronized (room) {
                Room.Diff diff = room.reconcile(remote);
                if (announce) {
                    MembershipHandler handler = handler(room.key());
                    diff.left().forEach(m -> emit(room, new Room.Change(Long.MAX_VALUE, m, false, LeaveReason.NODE_LOST), handler));
                    diff.joined().forEach(m -> emit(room, new Room.Change(Long.MAX_VALUE, m, true, null), handler));
                }
            }
            return null;
        });
    }

    // ---- internals ----

    /** The room, created and followed if this node has none. */
    private Room roomFor(RoomKey key) {
        Room room = rooms.get(key);
        if (room != null) {
            return room;
        }
        Room fresh = new Room(key);
        // unseeded from the moment others can see it, so that no one counts its local members alone
        CompletableFuture<Void> seeding = new CompletableFuture<>();
        fresh.seeded(seeding);
        room = rooms.putIfAbsent(key, fresh);
        if (room != null) {
            return room;
        }
        bus.follow(key);
        reconcile(fresh, false).whenComplete((v, error) -> seeding.complete(null));
        return fresh;
    }

    /** Removes a local member whose registration another connection took, and tells it so. */
    private void evictLocal(RoomKey key, String memberId, LocalMember keep, long seq) {
        Room room = rooms.get(key);
        if (room == null) {
            return;
        }
        List<LocalMember> evicted;
        synchronized (room) {
            evicted = evictLocked(room, memberId, keep, seq);
        }
        for (LocalMember m : evicted) {
            m.evicted(key, "replaced");
        }
        retireIfEmpty(room);
    }

    /** The members with the id but {@code keep} leave at position {@code seq}; returns them, to be told. */
    private List<LocalMember> evictLocked(Room room, String memberId, LocalMember keep, long seq) {
        List<LocalMember> evicted = new ArrayList<>(1);
        for (LocalMember m : room.members()) {
            if (m != keep && m.id().equals(memberId) && room.remove(m) != Long.MIN_VALUE) {
                emit(room, new Room.Change(seq, new MemberInfo(m.id(), nodeId, m.metadata()), false,
                        LeaveReason.REPLACED), handler(room.key()));
                evicted.add(m);
            }
        }
        return evicted;
    }

    private void retireIfEmpty(Room room) {
        if (room.retireIfEmpty()) {
            // Unfollow before the room leaves the map: a new room for the key can only be created (and
            // followed) after this, so follow and unfollow never cross.
            bus.unfollow(room.key());
            rooms.remove(room.key(), room);
        }
    }

    /** The members this node knows of; {@code pending}: also local ones whose claims are unanswered. */
    private List<MemberInfo> othersOf(Room room, String exceptId, boolean pending) {
        List<MemberInfo> out = new ArrayList<>(room.count());
        List<LocalMember> locals = pending ? room.members() : room.audience(Long.MAX_VALUE, exceptId);
        for (LocalMember m : locals) {
            if (!m.id().equals(exceptId)) {
                out.add(new MemberInfo(m.id(), nodeId, m.metadata()));
            }
        }
        out.addAll(room.remotes());
        return out;
    }

    private MembershipHandler handler(RoomKey key) {
        return handlers.getOrDefault(key.namespace(), MembershipHandler.NONE);
    }
}
