package dev.switchboard.core;

import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.BusListener;
import dev.switchboard.core.internal.Room;
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
    /** Rooms with an exclusive claim in flight: the remote joins and leaves that arrive meanwhile. */
    private final ConcurrentHashMap<RoomKey, ClaimWindow> claimWindows = new ConcurrentHashMap<>();

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
     * Joins {@code member} to a room. With {@link JoinPolicy#SHARED} the member is in the room when this
     * returns, and the stage completes once the room knows the other nodes' members (at once unless its first
     * read of the cluster is still under way); otherwise the member is in once the cluster granted the id.
     * Joining twice is a no-op that reports the current members. A caller whose connection closed while the stage was pending
     * must {@link #leave} afterwards.
     */
    public CompletionStage<JoinResult> join(RoomKey key, LocalMember member, JoinPolicy policy) {
        // Joins to one room on this node are applied one at a time, from the cluster's answer to the
        // members' announcement: two peers joining at once each either see the other in their answer or are
        // told of it afterwards, never neither. (With an asynchronous bus the claim itself runs outside.)
        synchronized (joinLock(key)) {
            return joinLocked(key, member, policy);
        }
    }

    private CompletionStage<JoinResult> joinLocked(RoomKey key, LocalMember member, JoinPolicy policy) {
        MemberInfo info = new MemberInfo(member.id(), nodeId, member.metadata());
        if (policy == JoinPolicy.SHARED) {
            Room room = attach(key, member);
            if (room == null) {
                return CompletableFuture.completedFuture(JoinResult.joined(othersOf(rooms.get(key), member.id())));
            }
            if (!room.isSeeded()) {
                // Announced once this node receives the room, so that whoever hears of the member can reach it;
                // meanwhile this room's direct sends wait, so that the member's first message does not reach
                // someone who cannot yet find it to answer.
                CompletionStage<Bus.Claim> claim = room.seeded().thenCompose(v -> bus.claim(key, info, policy));
                room.afterQueuedSends(() -> claim.handle((c, error) -> true));
                claim.thenAccept(c -> {
                    if (room.local(member.id()) != member) {
                        bus.release(key, info, LeaveReason.LEFT); // it left before its claim went out
                    }
                });
            } else {
                bus.claim(key, info, policy);
            }
            List<MemberInfo> others = othersOf(room, member.id());
            handler(key).joined(info, room);
            if (room.isSeeded()) {
                return CompletableFuture.completedFuture(JoinResult.joined(others));
            }
            // A room new to this node learns the other nodes' members from its first read of the cluster,
            // which the bus keeps in order with the room's events (no ghost from a stale snapshot); whoever
            // joins before that read is back waits for it too, or would see this node's members alone.
            return room.seeded().thenApply(v -> JoinResult.joined(othersOf(room, member.id())));
        }
        ClaimWindow window = openWindow(key);
        // claimed once this node receives the room, so that whoever the claim's announcement reaches can
        // reach the joiner at once
        CompletableFuture<Bus.Claim> claim = follow(key).handle((v, error) -> null)
                .thenCompose(v -> bus.claim(key, info, policy)).toCompletableFuture();
        if (claim.isDone() && !claim.isCompletedExceptionally()) {
            return claimed(key, member, policy, info, claim.join(), window);
        }
        return claim.handle((granted, error) -> {
            synchronized (joinLock(key)) {
                if (error != null) {
                    closeWindow(key, window);
                    throw error instanceof java.util.concurrent.CompletionException c ? c
                            : new java.util.concurrent.CompletionException(error);
                }
                return claimed(key, member, policy, info, granted, window);
            }
        }).thenCompose(result -> result);
    }

    private CompletionStage<JoinResult> claimed(RoomKey key, LocalMember member, JoinPolicy policy, MemberInfo info,
                                                Bus.Claim claim, ClaimWindow window) {
        if (!claim.granted()) {
            closeWindow(key, window);
            unfollowIfUnused(key);
            return CompletableFuture.completedFuture(JoinResult.taken(claim.holder()));
        }
        Room room = attach(key, member);
        if (room != null) {
            room.policy(member, policy);
            if (policy == JoinPolicy.TAKEOVER) {
                evictLocal(key, member.id(), member);
            }
            handler(key).joined(info, room);
        }
        // The claim's list is the cluster as its script saw it. Joins and leaves elsewhere that reach this node
        // before the joiner hears them (before it is in the room, or while a room new here awaits its first
        // read and tells no one) are folded in; once the room is seeded, the joiner is told like everyone.
        Room joined = room != null ? room : rooms.get(key);
        CompletionStage<Void> seeded = joined == null ? CompletableFuture.completedFuture(null) : joined.seeded();
        return seeded.thenApply(v -> JoinResult.joined(closeWindow(key, window).fold(claim.others(), member.id())));
    }

    /**
     * The remote membership events a room saw while claims were in flight for it, in arrival order. One
     * window serves every claim of the room in flight at once: events from before a claim's snapshot fold to
     * no change (a join of someone listed, a leave of someone not listed), so a longer record is harmless.
     */
    private static final class ClaimWindow {
        private int open;
        private final List<Map.Entry<MemberInfo, Boolean>> events = new ArrayList<>();

        synchronized void record(MemberInfo member, boolean joined) {
            events.add(Map.entry(member, joined));
        }

        /**
         * The snapshot with the recorded joins applied (appended, or updated in place) and leaves removed (a
         * leave names the node it left from, so an id since taken over elsewhere stays), in order.
         */
        synchronized List<MemberInfo> fold(List<MemberInfo> snapshot, String joinerId) {
            if (events.isEmpty()) {
                return snapshot;
            }
            List<MemberInfo> out = new ArrayList<>(snapshot);
            for (Map.Entry<MemberInfo, Boolean> e : events) {
                MemberInfo member = e.getKey();
                if (member.id().equals(joinerId)) {
                    continue;
                }
                int at = 0;
                while (at < out.size() && !out.get(at).id().equals(member.id())) {
                    at++;
                }
                boolean listed = at < out.size();
                if (e.getValue()) {
                    if (listed) {
                        out.set(at, member);
                    } else {
                        out.add(member);
                    }
                } else if (listed && out.get(at).nodeId().equals(member.nodeId())) {
                    out.remove(at);
                }
            }
            return out;
        }
    }

    private ClaimWindow openWindow(RoomKey key) {
        return claimWindows.compute(key, (k, w) -> {
            ClaimWindow window = w == null ? new ClaimWindow() : w;
            synchronized (window) {
                window.open++;
            }
            return window;
        });
    }

    /** Ends one claim's use of the window; the window goes when no claim of the room is in flight. */
    private ClaimWindow closeWindow(RoomKey key, ClaimWindow window) {
        claimWindows.computeIfPresent(key, (k, w) -> {
            synchronized (w) {
                return --w.open == 0 ? null : w;
            }
        });
        return window;
    }

    private void recordInWindow(RoomKey key, MemberInfo member, boolean joined) {
        ClaimWindow w = claimWindows.get(key);
        if (w != null) {
            w.record(member, joined);
        }
    }

    /** Striped locks for joins: one room's joins serialize, different rooms rarely contend. */
    private final Object[] joinLocks = newLocks(64);

    private static Object[] newLocks(int n) {
        Object[] locks = new Object[n];
        for (int i = 0; i < n; i++) {
            locks[i] = new Object();
        }
        return locks;
    }

    private Object joinLock(RoomKey key) {
        return joinLocks[(key.hashCode() & 0x7fffffff) % joinLocks.length];
    }

    /** Removes the member from the room; others see it leave. A no-op if it is not a member. */
    public void leave(RoomKey key, LocalMember member) {
        Room room = rooms.get(key);
        if (room == null || !room.remove(member)) {
            return;
        }
        MemberInfo info = new MemberInfo(member.id(), nodeId, member.metadata());
        bus.release(key, info, LeaveReason.LEFT);
        handler(key).left(info, LeaveReason.LEFT, room);
        retireIfEmpty(room);
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
    public void joined(RoomKey key, MemberInfo member) {
        if (!member.nodeId().equals(nodeId)) {
            recordInWindow(key, member, true);
        }
        Room room = rooms.get(key);
        if (room != null && !member.nodeId().equals(nodeId)) {
            MemberInfo before = room.putRemote(member);
            // a re-registration after an outage is not news; nor is a join before a new room's first read,
            // which lists it to every local member waiting on that read
            if (!member.equals(before) && room.isSeeded()) {
                handler(key).joined(member, room);
            }
        }
    }

    @Override
    public void left(RoomKey key, MemberInfo member, LeaveReason reason) {
        if (!member.nodeId().equals(nodeId)) {
            recordInWindow(key, member, false);
        }
        Room room = rooms.get(key);
        if (room != null && room.removeRemote(member) && room.isSeeded()) {
            handler(key).left(member, reason, room);
        }
    }

    @Override
    public void evicted(RoomKey key, MemberInfo member) {
        evictLocal(key, member.id(), null);
    }

    @Override
    public void reconnected() {
        for (Room room : rooms.values()) {
            RoomKey key = room.key();
            bus.follow(key);
            for (LocalMember m : room.members()) {
                MemberInfo info = new MemberInfo(m.id(), nodeId, m.metadata());
                JoinPolicy policy = room.policyOf(m);
                bus.claim(key, info, policy == JoinPolicy.SHARED ? JoinPolicy.SHARED : JoinPolicy.EXCLUSIVE)
                        .thenAccept(claim -> {
                            if (!claim.granted() && !claim.holder().nodeId().equals(nodeId)) {
                                // Someone else took the id while this node was cut off; theirs stands.
                                evictLocal(key, m.id(), null);
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
            Room.Diff diff = room.reconcile(remote);
            if (announce) {
                MembershipHandler handler = handler(room.key());
                diff.left().forEach(m -> handler.left(m, LeaveReason.NODE_LOST, room));
                diff.joined().forEach(m -> handler.joined(m, room));
            }
            return null;
        });
    }

    // ---- internals ----

    /** Adds a local member, creating and following the room as needed; null if it already was a member. */
    private Room attach(RoomKey key, LocalMember member) {
        while (true) {
            Room room = rooms.get(key);
            if (room == null) {
                room = new Room(key);
                // unseeded from the moment others can see it, so that no one counts its local members alone
                CompletableFuture<Void> seeding = new CompletableFuture<>();
                room.seeded(seeding);
                Room raced = rooms.putIfAbsent(key, room);
                if (raced != null) {
                    room = raced;
                } else {
                    bus.follow(key);
                    reconcile(room, false).whenComplete((v, error) -> seeding.complete(null));
                }
            }
            if (room.add(member)) {
                return room;
            }
            if (!room.isRetired()) {
                return null;
            }
            Thread.onSpinWait(); // the room is being dropped concurrently; take a fresh one
        }
    }

    /** Completes once this node receives the room's traffic (at once for a room it already follows). */
    private CompletionStage<Void> follow(RoomKey key) {
        Room room = rooms.get(key);
        return room != null ? room.seeded() : bus.follow(key);
    }


    private void unfollowIfUnused(RoomKey key) {
        if (!rooms.containsKey(key)) {
            bus.unfollow(key);
        }
    }

    /** Removes a local member whose registration another connection took, except {@code keep}. */
    private void evictLocal(RoomKey key, String memberId, LocalMember keep) {
        Room room = rooms.get(key);
        if (room == null) {
            return;
        }
        for (LocalMember m : room.members()) {
            if (m != keep && m.id().equals(memberId) && room.remove(m)) {
                MemberInfo info = new MemberInfo(m.id(), nodeId, m.metadata());
                handler(key).left(info, LeaveReason.REPLACED, room);
                m.evicted(key, "replaced");
            }
        }
        retireIfEmpty(room);
    }

    private void retireIfEmpty(Room room) {
        if (room.retireIfEmpty()) {
            // Unfollow before the room leaves the map: a new room for the key can only be created (and
            // followed) after this, so follow and unfollow never cross.
            bus.unfollow(room.key());
            rooms.remove(room.key(), room);
        }
    }

    private List<MemberInfo> othersOf(Room room, String exceptId) {
        if (room == null) {
            return List.of();
        }
        List<MemberInfo> out = new ArrayList<>(room.count());
        for (LocalMember m : room.members()) {
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
