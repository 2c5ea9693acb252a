package dev.switchboard.core.hub.internal;

import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.hub.ResumeStats;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sender's order across a member's move to another node (docs/design/resume.md, "Order across a move"): where
 * members that resumed elsewhere went from here, so that what still reaches this node for them goes on there
 * ({@link Routing}); and the fences that hold a node's later sends to a member that moved behind its earlier
 * ones, with the part of each fence's way that passes through this node.
 */
public final class Moves {
    private final Bus bus;
    private final String nodeId;
    private final Rooms rooms;
    private final ResumeStats stats;
    /** This node's fences in flight, by id (see {@link #fenceMove}). */
    private final Map<Long, CompletableFuture<Boolean>> fences = new ConcurrentHashMap<>();
    private final AtomicLong nextFence = new AtomicLong();
    /**
     * How long sends to a member that moved wait for their fence at most: a fence is three bus hops, so this is
     * reached only when a node dies with it, and then the sends go as they would have without it.
     */
    static final long FENCE_TIMEOUT_MILLIS = 2_000;

    public Moves(Bus bus, Rooms rooms, ResumeStats stats) {
        this.bus = bus;
        this.nodeId = bus.nodeId();
        this.rooms = rooms;
        this.stats = stats;
    }

    /**
     * Where members that resumed on another node went from here, for a while: what senders sent here before they
     * heard of it goes on there. Resumes are rare; the map is swept as it grows and bounded.
     */
    private final Map<MovedKey, Moved> moved = new ConcurrentHashMap<>();
    private static final long MOVED_KEPT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MOVED_MAX = 10_000;

    private record MovedKey(RoomKey room, String id) {
    }

    /** {@code from}: the room this node held the member in (its detours are what a fence waits behind). */
    record Moved(MemberInfo to, Room from, long sinceNanos) {
    }

    /** This node's member of {@code room} resumed on another node, as {@code to}. */
    public void movedAway(Room room, MemberInfo to) {
        long now = System.nanoTime();
        if (moved.size() >= 64) {
            moved.values().removeIf(m -> now - m.sinceNanos() > MOVED_KEPT_NANOS);
        }
        if (moved.size() < MOVED_MAX) {
            moved.put(new MovedKey(room.key(), to.id()), new Moved(to, room, now));
        }
    }

    /** Where this node's member {@code id} of the room went, if it resumed elsewhere from here lately. */
    Moved movedTo(RoomKey key, String id) {
        Moved m = moved.get(new MovedKey(key, id));
        return m == null || System.nanoTime() - m.sinceNanos() > MOVED_KEPT_NANOS ? null : m;
    }

    /**
     * This node learnt that a member it knew at {@code before} resumed elsewhere (called under the room's
     * lock, at the moment its view changes). Its direct sends to the member from now on wait until those made
     * before have arrived: behind this node's own detours when {@code before} was here or its node is gone,
     * and otherwise behind a fence sent the way those sends went, which the member's node answers. Returns what
     * the caller runs once it has let go of the room's lock (it calls the bus).
     */
    public Runnable fenceMove(Room room, MemberInfo before) {
        CompletableFuture<Boolean> passed = new CompletableFuture<>();
        room.fence(before.id(), passed);
        if (before.nodeId().equals(nodeId)) {
            return () -> room.detoursEnded().whenComplete((v, e) -> passed.complete(true));
        }
        long id = nextFence.incrementAndGet();
        fences.put(id, passed);
        passed.completeOnTimeout(false, FENCE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((answered, e) -> {
            if (fences.remove(id) != null && Boolean.FALSE.equals(answered)) {
                stats.fenceTimedOut();
            }
        });
        // issued after this node's earlier sends to the member, on the bus's ordered path; the later ones wait
        return () -> bus.fence(room.key(), before, nodeId, id).whenComplete((taken, error) -> {
            if (error != null || !taken) { // its node is gone: what went there took a detour from here
                room.detoursEnded().whenComplete((v, e) -> passed.complete(true));
            }
        });
    }

    /**
     * A fence of node {@code requester} for {@code memberId}, which it knew here: passed on behind this node's
     * detours (which carry what reached here for the member after it left), to where the member is now; answered
     * when it is here, or nowhere this node knows.
     */
    public void fence(RoomKey key, String memberId, String requester, long fenceId) {
        Moved moved = movedTo(key, memberId);
        Room held = moved != null ? moved.from() : rooms.get(key);
        CompletionStage<Void> forwarded = held == null ? CompletableFuture.completedFuture(null) : held.detoursEnded();
        forwarded.whenComplete((v, e) -> {
            Room room = rooms.get(key);
            if (room != null && (room.local(memberId) != null || room.holding(memberId))) {
                bus.fencePassed(key, requester, fenceId); // here: what came before the fence was delivered
                return;
            }
            MemberInfo now = room == null ? null : room.remote(memberId);
            if (now == null && moved != null) {
                now = moved.to();
            }
            if (now == null) {
                bus.fencePassed(key, requester, fenceId); // nowhere this node knows: nothing to wait for
                return;
            }
            bus.fence(key, now, requester, fenceId).whenComplete((taken, error) -> {
                if (error != null || !taken) {
                    bus.fencePassed(key, requester, fenceId);
                }
            });
        });
    }

    /** This node's fence reached the member: the sends behind it may go. */
    public void fencePassed(long fenceId) {
        CompletableFuture<Boolean> passed = fences.remove(fenceId);
        if (passed != null) {
            passed.complete(true);
        }
    }
}
