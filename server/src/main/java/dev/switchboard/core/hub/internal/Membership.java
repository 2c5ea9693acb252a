package dev.switchboard.core.hub.internal;

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
import dev.switchboard.core.hub.ResumeStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Who is in which room, and who hears of whom: joins and leaves of this node's members through the bus, the
 * changes other nodes make, and the rule that each member hears of each other exactly once
 * ({@code docs/design/membership.md}): a member's list is its claim's snapshot, and it is told exactly the
 * changes after its position in the room's order.
 */
public final class Membership {
    private final Bus bus;
    private final String nodeId;
    private final Rooms rooms;
    private final Map<String, MembershipHandler> handlers;
    private final ResumeLimits limits;
    private final ResumeStats stats;
    private final Routing routing;
    private final Moves moves;

    /** {@code handlers}: the namespaces' handlers, shared with {@link Rooms} (which orders their rooms). */
    public Membership(Bus bus, Rooms rooms, Map<String, MembershipHandler> handlers, ResumeLimits limits,
                      ResumeStats stats, Routing routing, Moves moves) {
        this.bus = bus;
        this.nodeId = bus.nodeId();
        this.rooms = rooms;
        this.handlers = handlers;
        this.limits = limits;
        this.stats = stats;
        this.routing = routing;
        this.moves = moves;
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
        long mark;
        while (true) {
            room = rooms.getOrCreate(key);
            synchronized (room) {
                if (room.isRetired()) {
                    continue; // dropped concurrently; take a fresh one
                }
                if (shared && room.contains(member)) {
                    return CompletableFuture.completedFuture(JoinResult.joined(othersOf(room, member.id(), true)));
                }
                if (shared) {
                    room.add(member, Room.PENDING);
                } else {
                    room.holdFor(member.id(), policy == JoinPolicy.RESUME);
                }
                mark = room.claimStarted();
                break;
            }
        }
        Room joined = room;
        long claimMark = mark;
        CompletableFuture<JoinResult> result = new CompletableFuture<>();
        // Claimed once this node receives the room: every change after the claim then reaches this node, so
        // the joiner hears of each (see answered).
        CompletionStage<Bus.Claim> claim = joined.seeded().thenCompose(v -> bus.claim(key, info, policy));
        if (!joined.isSeeded()) {
            // a room new here: its direct sends wait for the claim, so that the member's first message does not
            // reach someone who cannot yet find it to answer
            joined.afterQueuedSends(() -> claim.handle((c, error) -> true));
        }
        claim.whenComplete((c, error) -> answered(joined, claimMark, member, info, policy, c, error, result));
        return result;
    }

    /**
     * Applies a claim's answer. The claim's list holds the members before the joiner in the room's order; the
     * changes after it that reached this node before the answer are told to the joiner now, and later ones as
     * they come (see {@link Room#audience}). Everyone here before the joiner hears of it.
     */
    private void answered(Room room, long mark, LocalMember member, MemberInfo info, JoinPolicy policy,
                          Bus.Claim claim, Throwable error, CompletableFuture<JoinResult> result) {
        MembershipHandler handler = handler(room.key());
        JoinResult answer = null;
        List<LocalMember> evicted = List.of();
        List<Runnable> then = new ArrayList<>(0);
        boolean gone = false;
        synchronized (room) {
            List<Envelope> held = policy == JoinPolicy.SHARED ? List.of()
                    : room.stopHolding(member.id(), error == null && claim.granted());
            if (error != null) {
                if (policy == JoinPolicy.SHARED && room.sequence(member, Room.UNSEQUENCED)) {
                    // the cluster cannot be reached: the member is in this node's room all the same, knows what
                    // this node knows, and hears of what this node sees next
                    answer = JoinResult.joined(othersOf(room, member.id(), false));
                    emit(room, new Room.Change(Room.UNORDERED, info, true, null), handler);
                }
            } else if (!claim.granted()) {
                answer = JoinResult.taken(claim.holder());
            } else if (policy == JoinPolicy.RESUME && claim.holder() != null) {
                evicted = resumedHere(room, claim.holder(), member, then);
                List<Envelope> kept = claim.mailbox() == null ? List.of() : claim.mailbox();
                if (room.admit(member, claim.seq(), kept, held)) {
                    room.policy(member, policy);
                }
                // nobody is told: the others knew the member, and the member gets a fresh list
                answer = JoinResult.resumed(claim.others(), claim.holder(), claim.mailbox() != null);
                stats.resumedOne();
            } else {
                boolean present = policy == JoinPolicy.SHARED ? room.sequence(member, claim.seq())
                        : room.admit(member, claim.seq(), List.of(), held);
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
            room.claimAnswered(mark);
        }
        then.forEach(Runnable::run);
        if (gone) {
            withdraw(room.key(), info); // it left while its claim was on its way
        }
        String why = policy == JoinPolicy.RESUME ? LocalMember.RESUMED : LocalMember.REPLACED;
        for (LocalMember m : evicted) {
            m.evicted(room.key(), why);
        }
        rooms.retireIfEmpty(room);
        if (answer == null) {
            result.completeExceptionally(error);
        } else {
            result.complete(answer);
        }
    }

    /**
     * A resume's replaced holder gives way without anyone hearing of it: on this node (parked, or its stale
     * connection, which is returned to be told), or on another (its node hears of the resume by the join).
     */
    private List<LocalMember> resumedHere(Room room, MemberInfo holder, LocalMember keep, List<Runnable> then) {
        if (!holder.nodeId().equals(nodeId)) {
            // this node's sends that went there come first; the fence is set before the view changes
            then.add(moves.fenceMove(room, holder));
            room.removeRemote(holder);
            return List.of();
        }
        List<LocalMember> stale = new ArrayList<>(1);
        for (LocalMember m : room.members()) {
            if (m != keep && m.id().equals(holder.id()) && room.remove(m) != Room.ABSENT) {
                gone(m, stale);
            }
        }
        return stale;
    }

    /** A local member replaced: a parked one is just no longer parked; a connection is added to be told. */
    private void gone(LocalMember m, List<LocalMember> toTell) {
        if (m instanceof Parked) {
            stats.parked(-1);
        } else {
            toTell.add(m);
        }
    }

    /**
     * The member's connection dropped without leaving: with resume on and a member that may resume, it is
     * parked for the window (nobody sees it leave; what is sent to it is kept); otherwise it leaves.
     */
    public boolean disconnected(RoomKey key, LocalMember member) {
        if (!limits.enabled() || !member.metadata().containsKey(MemberInfo.RESUME)) {
            leave(key, member);
            return false;
        }
        Room room = rooms.get(key);
        if (room == null) {
            return false;
        }
        MemberInfo info = new MemberInfo(member.id(), nodeId, member.metadata());
        Parked parked = new Parked(room, info, bus, limits, stats, e -> routing.lookUpAndSend(key, info.id(), e));
        synchronized (room) {
            JoinPolicy policy = room.policyOf(member);
            long seq = room.remove(member);
            if (seq == Room.ABSENT) {
                return false;
            }
            if (seq == Room.PENDING) { // a shared claim still in flight: its answer withdraws it
                rooms.retireIfEmpty(room);
                return false;
            }
            bus.park(key, info, limits); // before anything is mailed to it (the bus keeps the order of calls)
            room.add(parked, Room.PENDING);
            room.policy(parked, policy);
        }
        stats.parked(1);
        CompletableFuture.delayedExecutor(limits.window().toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> expire(key, parked));
        return true;
    }

    /** The window of a parked member ended without a resume: it leaves now, and everyone hears of it. */
    private void expire(RoomKey key, Parked parked) {
        Room room = rooms.get(key);
        if (room == null || room.remove(parked) == Room.ABSENT) {
            return; // resumed, or replaced
        }
        stats.parked(-1);
        stats.expiredOne();
        withdraw(key, parked.info());
        rooms.retireIfEmpty(room);
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
        if (seq == Room.ABSENT) {
            return;
        }
        if (seq != Room.PENDING) {
            withdraw(key, new MemberInfo(member.id(), nodeId, member.metadata()));
        } // else: its claim's answer withdraws it
        rooms.retireIfEmpty(room);
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
                long at = error == null && seq != 0 ? seq : Room.UNORDERED;
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
        if (change.seq() != Room.UNORDERED) {
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

    /** A member joined on another node at position {@code seq}. */
    public void joined(RoomKey key, MemberInfo member, long seq) {
        Room room = rooms.get(key);
        if (room == null || member.nodeId().equals(nodeId)) {
            return;
        }
        List<LocalMember> stale = new ArrayList<>(1);
        Runnable then = null;
        synchronized (room) {
            LocalMember here = room.local(member.id());
            if (here != null && sameResume(here.metadata().get(MemberInfo.RESUME), member)) {
                // resumed on that node: this node's holder (parked, or a stale connection) gives way silently;
                // this node's later sends to it wait for its earlier ones (the fence set before the view changes)
                then = moves.fenceMove(room, new MemberInfo(here.id(), nodeId, here.metadata()));
                moves.movedAway(room, member);
                room.remove(here);
                gone(here, stale);
                room.putRemote(member);
            } else {
                MemberInfo known = room.remote(member.id());
                if (known != null && sameResume(known.meta(MemberInfo.RESUME), member)
                        && !known.nodeId().equals(member.nodeId())) {
                    then = moves.fenceMove(room, known); // it moved between two other nodes
                }
                MemberInfo before = room.putRemote(member);
                // a re-registration after an outage is not news, nor a resume of a member known here
                if (!member.equals(before) && (before == null || !sameResume(before.meta(MemberInfo.RESUME), member))) {
                    emit(room, new Room.Change(seq, member, true, null), handler(key));
                }
            }
        }
        if (then != null) {
            then.run();
        }
        for (LocalMember m : stale) {
            m.evicted(key, LocalMember.RESUMED);
        }
        rooms.retireIfEmpty(room);
    }

    private static boolean sameResume(String resume, MemberInfo member) {
        return resume != null && resume.equals(member.meta(MemberInfo.RESUME));
    }

    /** A member of another node left (or this node's was replaced there) at position {@code seq}. */
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

    /** This node's member lost its registration to a takeover elsewhere. */
    public void evicted(RoomKey key, MemberInfo member) {
        evictLocal(key, member.id(), null, Room.UNORDERED);
    }

    /** The cluster is back after an outage: register again, and announce what changed meanwhile. */
    public void reconnected() {
        for (Room room : rooms.all()) {
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
                                evictLocal(key, m.id(), null, Room.UNORDERED);
                            } else if (claim.granted() && room.local(m.id()) != m) {
                                // it left while the claim was on its way: its own release may have come first
                                bus.release(key, info, LeaveReason.LEFT);
                            }
                        });
            }
            rooms.reconcile(room, diff -> {
                MembershipHandler handler = handler(room.key());
                diff.left().forEach(m -> emit(room, new Room.Change(Room.UNORDERED, m, false, LeaveReason.NODE_LOST), handler));
                diff.joined().forEach(m -> emit(room, new Room.Change(Room.UNORDERED, m, true, null), handler));
            });
        }
    }

    /** Removes a local member whose registration another connection took, and tells it so. */
    public void evictLocal(RoomKey key, String memberId, LocalMember keep, long seq) {
        Room room = rooms.get(key);
        if (room == null) {
            return;
        }
        List<LocalMember> evicted;
        synchronized (room) {
            evicted = evictLocked(room, memberId, keep, seq);
        }
        for (LocalMember m : evicted) {
            m.evicted(key, LocalMember.REPLACED);
        }
        rooms.retireIfEmpty(room);
    }

    /** The members with the id but {@code keep} leave at position {@code seq}; returns them, to be told. */
    private List<LocalMember> evictLocked(Room room, String memberId, LocalMember keep, long seq) {
        List<LocalMember> evicted = new ArrayList<>(1);
        for (LocalMember m : room.members()) {
            if (m != keep && m.id().equals(memberId) && room.remove(m) != Room.ABSENT) {
                emit(room, new Room.Change(seq, new MemberInfo(m.id(), nodeId, m.metadata()), false,
                        LeaveReason.REPLACED), handler(room.key()));
                gone(m, evicted);
            }
        }
        return evicted;
    }

    /** The members this node knows of; {@code pending}: also local ones whose claims are unanswered. */
    private List<MemberInfo> othersOf(Room room, String exceptId, boolean pending) {
        List<MemberInfo> out = new ArrayList<>(room.count());
        List<LocalMember> locals = pending ? room.members() : room.audience(Room.UNORDERED, exceptId);
        for (LocalMember m : locals) {
            if (!m.id().equals(exceptId)) {
                out.add(new MemberInfo(m.id(), nodeId, m.metadata()));
            }
        }
        out.addAll(room.remotes());
        return out;
    }

    MembershipHandler handler(RoomKey key) {
        return handlers.getOrDefault(key.namespace(), MembershipHandler.NONE);
    }
}
