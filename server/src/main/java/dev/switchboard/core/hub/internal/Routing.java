package dev.switchboard.core.hub.internal;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.hub.ResumeStats;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a message goes: this node's members of a room directly, the others through the bus; a message to one
 * member that this node cannot place yet waits for the cluster's answer, and the room's later direct messages
 * wait behind it, so one sender's order holds.
 */
public final class Routing {
    private final Bus bus;
    private final String nodeId;
    private final Rooms rooms;
    private final ResumeLimits limits;
    private final ResumeStats stats;
    private final Moves moves;

    public Routing(Bus bus, Rooms rooms, ResumeLimits limits, ResumeStats stats, Moves moves) {
        this.bus = bus;
        this.nodeId = bus.nodeId();
        this.rooms = rooms;
        this.limits = limits;
        this.stats = stats;
        this.moves = moves;
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
        return sendPlaced(room, key, memberId, envelope, queued, false);
    }

    /** {@code fenceWaited}: already let through the member's fence (which must not wait on itself). */
    private CompletionStage<Boolean> sendPlaced(Room room, RoomKey key, String memberId, Envelope envelope,
                                                boolean queued, boolean fenceWaited) {
        if (!fenceWaited && room.fenced(memberId)) { // it moved: behind what went before the move (Moves#fenceMove)
            return room.afterFence(memberId, () -> sendPlaced(room, key, memberId, envelope, queued, true));
        }
        if (room.hold(memberId, envelope, true)) {
            return CompletableFuture.completedFuture(true); // its claim is in flight here
        }
        LocalMember local = room.local(memberId);
        MemberInfo remote = local == null ? room.remote(memberId) : null;
        if (!fenceWaited && (local != null || remote != null) && room.fenced(memberId)) {
            // a move's fence is set before the view changes (Membership): a send that found the new place just
            // now finds the fence too
            return room.afterFence(memberId, () -> sendPlaced(room, key, memberId, envelope, queued, true));
        }
        if (local != null) {
            deliver(local, envelope);
            return CompletableFuture.completedFuture(true);
        }
        if (remote == null && toLocalOrHeld(room, memberId, envelope, true)) {
            return CompletableFuture.completedFuture(true); // admitted here while this looked
        }
        if (remote != null) {
            return sendOrKeep(key, remote, envelope);
        }
        // Not in this node's view: it may have joined elsewhere before the view caught up; ask the cluster,
        // and hold this room's later sends until this one has gone
        return queued ? lookUpAndSend(key, memberId, envelope)
                : room.afterQueuedSends(() -> lookUpAndSend(key, memberId, envelope));
    }

    /**
     * Delivers to the member wherever the cluster has it other than this node; also where a parked member here
     * found it resumed elsewhere before this node heard of it.
     */
    CompletionStage<Boolean> lookUpAndSend(RoomKey key, String memberId, Envelope envelope) {
        return bus.members(key).thenCompose(members -> {
            for (MemberInfo m : members) {
                if (m.id().equals(memberId) && !m.nodeId().equals(nodeId)) {
                    return sendOrKeep(key, m, envelope);
                }
            }
            return CompletableFuture.completedFuture(false);
        });
    }

    /**
     * Sends to a member of another node; when no live node holds it and it may resume, its node died under it:
     * the message is kept in its mailbox for the resume window (docs/design/resume.md).
     */
    private CompletionStage<Boolean> sendOrKeep(RoomKey key, MemberInfo target, Envelope envelope) {
        CompletionStage<Boolean> sent = bus.send(key, target, envelope);
        if (!target.resumable() || !limits.enabled()) {
            return sent;
        }
        return sent.thenCompose(ok -> {
            if (ok) {
                return CompletableFuture.completedFuture(true);
            }
            // a detour: a send made after a move waits for it (Moves#fenceMove), so it cannot overtake it
            Room room = rooms.get(key);
            if (room != null) {
                room.detourStarted();
            }
            CompletionStage<Boolean> kept = bus.mail(key, target, envelope, limits, true).thenCompose(mail -> {
                if (mail != Bus.Mail.GONE) {
                    stats.mailed(mail == Bus.Mail.KEPT);
                    return CompletableFuture.completedFuture(true);
                }
                return sendAnew(key, target, envelope);
            });
            return room == null ? kept : ended(room, kept);
        });
    }

    /** Ends a detour of {@code room} once {@code step} has completed, either way. */
    private static <T> CompletionStage<T> ended(Room room, CompletionStage<T> step) {
        return step.whenComplete((v, e) -> room.detourEnded());
    }

    /**
     * A message for a member of a dead node that found it no longer parked there: it resumed (here or on another
     * node) before this node's view caught up, or it left. Sent where the cluster has it now, once.
     */
    private CompletionStage<Boolean> sendAnew(RoomKey key, MemberInfo was, Envelope envelope) {
        return bus.members(key).thenCompose(members -> {
            for (MemberInfo m : members) {
                if (!m.id().equals(was.id()) || m.nodeId().equals(was.nodeId())) {
                    continue;
                }
                if (!m.nodeId().equals(nodeId)) {
                    return bus.send(key, m, envelope);
                }
                // resumed here: held while its claim is in flight (this node's view may still have the dead one)
                Room room = rooms.get(key);
                boolean done = room != null && (room.hold(m.id(), envelope) || toLocal(room, m.id(), envelope));
                return CompletableFuture.completedFuture(done);
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
    public Optional<MemberInfo> member(RoomKey key, String memberId) {
        Room room = rooms.get(key);
        if (room == null) {
            return Optional.empty();
        }
        LocalMember local = room.local(memberId);
        if (local != null) {
            return Optional.of(new MemberInfo(local.id(), nodeId, local.metadata()));
        }
        return Optional.ofNullable(room.remote(memberId));
    }

    /** Whether {@link #member} would find the member; allocates nothing. */
    public boolean has(RoomKey key, String memberId) {
        Room room = rooms.get(key);
        return room != null && (room.local(memberId) != null || room.remote(memberId) != null);
    }

    /** One metadata value of the member {@link #member} would find, or null; allocates nothing. */
    public String memberMeta(RoomKey key, String memberId, String name) {
        Room room = rooms.get(key);
        if (room == null) {
            return null;
        }
        LocalMember local = room.local(memberId);
        if (local != null) {
            java.util.Map<String, String> metadata = local.metadata();
            return metadata == null ? null : metadata.get(name);
        }
        MemberInfo remote = room.remote(memberId);
        return remote == null ? null : remote.meta(name);
    }

    /** A message from another node for this node's members of the room. */
    public void message(RoomKey key, String targetId, String exceptId, Envelope envelope) {
        Room room = rooms.get(key);
        if (room == null) {
            if (targetId != null) {
                onward(key, targetId, envelope); // the room went with its last member here
            }
            return;
        }
        if (targetId == null) {
            room.deliver(envelope, exceptId);
            return;
        }
        if (room.hold(targetId, envelope)) {
            return; // the other node heard of its claim before this node had the answer
        }
        if (!toLocal(room, targetId, envelope) && !toLocalOrHeld(room, targetId, envelope, false)) {
            onward(key, targetId, envelope);
        }
    }

    /**
     * A message for a member that resumed elsewhere from here, sent by a node that had not heard of that yet: on
     * to where it is now, once, rather than lost; the sender's fence comes behind it ({@link Moves#fence}).
     */
    private void onward(RoomKey key, String targetId, Envelope envelope) {
        Moves.Moved moved = moves.movedTo(key, targetId);
        if (moved == null) {
            return; // not a member here (left, or never was): as for any absent member
        }
        Room now = rooms.get(key);
        MemberInfo fresher = now == null ? null : now.remote(targetId);
        stats.sentOnOne();
        moved.from().detourStarted();
        ended(moved.from(), sendOrKeep(key, fresher != null && fresher.resumable() ? fresher : moved.to(), envelope));
    }

    /**
     * Decided again under the room's lock: a claim's answer stops holding its id and admits the member in one
     * locked step, and a message that looked in between (no longer held, not yet admitted) would be lost; so a
     * message that found neither waits for that step and then goes to the member, after what was held for it.
     * Only messages for an absent member take the lock. {@code orRemote}: as {@link Room#hold(String, Envelope,
     * boolean)} (a local sender's message is held only when no other node is known to hold the id).
     */
    private static boolean toLocalOrHeld(Room room, String id, Envelope envelope, boolean orRemote) {
        synchronized (room) {
            return room.hold(id, envelope, orRemote) || toLocal(room, id, envelope);
        }
    }

    /** Writes to the room's member {@code id} on this node; false when it has none. */
    private static boolean toLocal(Room room, String id, Envelope envelope) {
        LocalMember local = room.local(id);
        if (local == null) {
            return false;
        }
        deliver(local, envelope);
        return true;
    }

    private static void deliver(LocalMember local, Envelope envelope) {
        local.endpoint().outlet().deliver(envelope, local.endpoint());
    }
}
