package dev.switchboard.core.bus;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared state of in-memory buses: the membership registry, which nodes follow which rooms, and the
 * nodes themselves. Registry changes are atomic under one lock; listeners are always called outside it, in
 * the caller's thread, which keeps each sender's order.
 */
public final class InMemoryNetwork {
    private final Map<String, InMemoryBus> nodes = new LinkedHashMap<>();
    private final Map<RoomKey, LinkedHashMap<String, MemberInfo>> registry = new HashMap<>();
    /** Nodes following each room, as small arrays: most rooms have one follower (a few bytes, not a set). */
    private final Map<RoomKey, InMemoryBus[]> followers = new HashMap<>();
    /** Read without the lock on the hot path: a lone node has nobody to publish to. */
    private volatile int nodeCount;
    /**
     * The membership order of every room at once: one counter grows for each room as a counter per room would,
     * and never starts again, so no room's numbers can repeat while a node still holds its events.
     */
    private long sequence;
    /** Mailboxes of parked members (docs/design/resume.md), by room and member id. */
    private final Map<RoomKey, Map<String, Mailbox>> mailboxes = new HashMap<>();

    /** What is kept for one parked registration, until a resume takes it or its window ends. */
    private static final class Mailbox {
        final MemberInfo owner;
        final long deadlineNanos;
        final java.util.ArrayDeque<Envelope> messages = new java.util.ArrayDeque<>();
        long bytes;

        Mailbox(MemberInfo owner, long deadlineNanos) {
            this.owner = owner;
            this.deadlineNanos = deadlineNanos;
        }
    }

    synchronized void attach(InMemoryBus bus) {
        if (nodes.putIfAbsent(bus.nodeId(), bus) != null) {
            throw new IllegalStateException("node id already in use: " + bus.nodeId());
        }
        nodeCount = nodes.size();
    }

    /** A node leaves: its members are removed and every other follower of their rooms sees them leave. */
    void detach(InMemoryBus bus) {
        List<Runnable> notices = new ArrayList<>();
        synchronized (this) {
            if (nodes.remove(bus.nodeId()) != bus) {
                return;
            }
            nodeCount = nodes.size();
            followers.replaceAll((room, nodes) -> without(nodes, bus));
            followers.values().removeIf(nodes -> nodes.length == 0);
            var rooms = registry.entrySet().iterator();
            while (rooms.hasNext()) {
                var room = rooms.next();
                var members = room.getValue().values().iterator();
                while (members.hasNext()) {
                    MemberInfo m = members.next();
                    if (m.nodeId().equals(bus.nodeId())) {
                        members.remove();
                        notices.addAll(leaveNotices(room.getKey(), m, LeaveReason.LEFT, ++sequence, null));
                    }
                }
                if (room.getValue().isEmpty()) {
                    rooms.remove();
                }
            }
            mailboxes.values().forEach(boxes -> boxes.values().removeIf(b -> b.owner.nodeId().equals(bus.nodeId())));
        }
        notices.forEach(Runnable::run);
    }

    int nodeCount() {
        return nodeCount;
    }

    Bus.Claim claim(RoomKey room, MemberInfo member, JoinPolicy policy) {
        List<Runnable> notices = new ArrayList<>();
        Bus.Claim claim;
        synchronized (this) {
            var members = registry.computeIfAbsent(room, k -> new LinkedHashMap<>());
            MemberInfo holder = members.get(member.id());
            if (holder != null && policy == JoinPolicy.EXCLUSIVE) {
                return Bus.Claim.refused(holder);
            }
            if (policy == JoinPolicy.RESUME) {
                claim = resume(room, members, holder, member, notices);
            } else {
                claim = claimLocked(room, members, holder, member, policy, notices);
            }
        }
        notices.forEach(Runnable::run);
        return claim;
    }

    private Bus.Claim claimLocked(RoomKey room, LinkedHashMap<String, MemberInfo> members, MemberInfo holder,
                                  MemberInfo member, JoinPolicy policy, List<Runnable> notices) {
        long seq = ++sequence;
        MemberInfo replaced = null;
        if (holder != null) {
            members.remove(member.id());
            takeMailbox(room, member.id()); // a parked holder's, dropped with it
            if (policy == JoinPolicy.TAKEOVER) {
                replaced = holder;
                InMemoryBus owner = nodes.get(holder.nodeId());
                if (owner != null && !holder.nodeId().equals(member.nodeId())) {
                    notices.add(() -> owner.listener().evicted(room, holder));
                }
                // the claimer's node learns of the replacement from the claim's answer
                notices.addAll(leaveNotices(room, holder, LeaveReason.REPLACED, seq, member.nodeId()));
            }
        }
        List<MemberInfo> others = new ArrayList<>(members.values());
        members.put(member.id(), member);
        for (InMemoryBus follower : followersOf(room)) {
            if (!follower.nodeId().equals(member.nodeId())) {
                notices.add(() -> follower.listener().joined(room, member, seq));
            }
        }
        return Bus.Claim.granted(seq, others, replaced);
    }

    /**
     * A resume (under the lock): granted if the id is free or its holder has the joiner's resume value; replaces
     * the holder without a leave, tells every other follower of the join, and takes the holder's mailbox.
     */
    private Bus.Claim resume(RoomKey room, LinkedHashMap<String, MemberInfo> members, MemberInfo holder,
                             MemberInfo member, List<Runnable> notices) {
        if (holder != null && (!holder.resumable() || !holder.meta(MemberInfo.RESUME).equals(member.meta(MemberInfo.RESUME)))) {
            return Bus.Claim.refused(holder);
        }
        long seq = ++sequence;
        List<MemberInfo> others = new ArrayList<>(members.values());
        others.remove(holder);
        members.put(member.id(), member);
        Mailbox box = takeMailbox(room, member.id());
        List<Envelope> kept = box != null && box.owner.equals(holder) ? List.copyOf(box.messages) : null;
        for (InMemoryBus follower : followersOf(room)) {
            if (!follower.nodeId().equals(member.nodeId())) {
                notices.add(() -> follower.listener().joined(room, member, seq));
            }
        }
        return Bus.Claim.resumed(seq, others, holder, kept);
    }

    private Mailbox takeMailbox(RoomKey room, String id) {
        Map<String, Mailbox> boxes = mailboxes.get(room);
        if (boxes == null) {
            return null;
        }
        Mailbox box = boxes.remove(id);
        if (boxes.isEmpty()) {
            mailboxes.remove(room);
        }
        return box;
    }

    void park(RoomKey room, MemberInfo member, long windowNanos) {
        synchronized (this) {
            var members = registry.get(room);
            if (members != null && member.equals(members.get(member.id()))) {
                mailboxes.computeIfAbsent(room, k -> new HashMap<>())
                        .put(member.id(), new Mailbox(member, System.nanoTime() + windowNanos));
            }
        }
    }

    synchronized Bus.Mail mail(RoomKey room, MemberInfo member, Envelope envelope,
                               dev.switchboard.core.ResumeLimits limits, boolean orOpen) {
        Map<String, Mailbox> boxes = mailboxes.get(room);
        Mailbox box = boxes == null ? null : boxes.get(member.id());
        if (box != null && System.nanoTime() - box.deadlineNanos > 0) {
            takeMailbox(room, member.id()); // its window ended
            box = null;
        }
        if (box == null && orOpen && member.resumable()) {
            var members = registry.get(room);
            if (members != null && member.equals(members.get(member.id())) && !nodes.containsKey(member.nodeId())) {
                box = new Mailbox(member, System.nanoTime() + limits.window().toNanos());
                mailboxes.computeIfAbsent(room, k -> new HashMap<>()).put(member.id(), box);
            }
        }
        if (box == null || !box.owner.equals(member)) {
            return Bus.Mail.GONE;
        }
        if (box.messages.size() >= limits.maxMessages() || box.bytes + envelope.size() > limits.maxBytes()) {
            return Bus.Mail.FULL;
        }
        box.messages.add(Envelope.remote(envelope.payload()));
        box.bytes += envelope.size();
        return Bus.Mail.KEPT;
    }

    long release(RoomKey room, MemberInfo member, LeaveReason reason) {
        List<Runnable> notices;
        long seq;
        synchronized (this) {
            var members = registry.get(room);
            if (members == null || !member.equals(members.get(member.id()))) {
                return 0; // already replaced or removed: a release only ever removes its own registration
            }
            members.remove(member.id());
            Map<String, Mailbox> boxes = mailboxes.get(room);
            if (boxes != null && boxes.get(member.id()) != null && boxes.get(member.id()).owner.equals(member)) {
                takeMailbox(room, member.id());
            }
            if (members.isEmpty()) {
                registry.remove(room);
            }
            seq = ++sequence;
            notices = leaveNotices(room, member, reason, seq, member.nodeId());
        }
        notices.forEach(Runnable::run);
        return seq;
    }

    /** Leave notices to every follower of the room but {@code skipNode}, which informs its members itself. */
    private List<Runnable> leaveNotices(RoomKey room, MemberInfo member, LeaveReason reason, long seq,
                                        String skipNode) {
        List<Runnable> notices = new ArrayList<>();
        for (InMemoryBus follower : followersOf(room)) {
            if (!follower.nodeId().equals(skipNode)) {
                notices.add(() -> follower.listener().left(room, member, reason, seq));
            }
        }
        return notices;
    }

    synchronized List<MemberInfo> members(RoomKey room) {
        var members = registry.get(room);
        return members == null ? List.of() : List.copyOf(members.values());
    }

    synchronized void follow(RoomKey room, InMemoryBus bus) {
        InMemoryBus[] nodes = followers.get(room);
        if (nodes == null) {
            followers.put(room, new InMemoryBus[] {bus});
            return;
        }
        for (InMemoryBus n : nodes) {
            if (n == bus) {
                return;
            }
        }
        InMemoryBus[] next = java.util.Arrays.copyOf(nodes, nodes.length + 1);
        next[nodes.length] = bus;
        followers.put(room, next);
    }

    synchronized void unfollow(RoomKey room, InMemoryBus bus) {
        InMemoryBus[] nodes = followers.get(room);
        if (nodes != null) {
            InMemoryBus[] next = without(nodes, bus);
            if (next.length == 0) {
                followers.remove(room);
            } else {
                followers.put(room, next);
            }
        }
    }

    private static InMemoryBus[] without(InMemoryBus[] nodes, InMemoryBus bus) {
        int count = 0;
        for (InMemoryBus n : nodes) {
            if (n != bus) {
                count++;
            }
        }
        if (count == nodes.length) {
            return nodes;
        }
        InMemoryBus[] next = new InMemoryBus[count];
        int i = 0;
        for (InMemoryBus n : nodes) {
            if (n != bus) {
                next[i++] = n;
            }
        }
        return next;
    }

    void publish(InMemoryBus from, RoomKey room, Envelope envelope, String exceptId) {
        if (nodeCount < 2) {
            return;
        }
        List<InMemoryBus> targets;
        synchronized (this) {
            targets = followersOf(room);
        }
        Envelope remote = Envelope.remote(envelope.payload());
        for (InMemoryBus target : targets) {
            if (target != from) {
                target.listener().message(room, null, exceptId, remote);
            }
        }
    }

    /**
     * To the target's node, as the Redis bus does (a node channel): whether that node still holds the member is
     * the node's to decide (it passes the message on where the member went, docs/design/resume.md); false only
     * when the node is gone.
     */
    boolean send(RoomKey room, MemberInfo target, Envelope envelope) {
        InMemoryBus owner = node(target.nodeId());
        if (owner == null) {
            return false;
        }
        owner.listener().message(room, target.id(), null, Envelope.remote(envelope.payload()));
        return true;
    }

    /** A fence to the node {@code at} names (see {@link Bus#fence}); false when that node is gone. */
    boolean fence(RoomKey room, MemberInfo at, String requester, long fenceId) {
        InMemoryBus owner = node(at.nodeId());
        if (owner == null) {
            return false;
        }
        owner.listener().fence(room, at.id(), requester, fenceId);
        return true;
    }

    void fencePassed(RoomKey room, String requester, long fenceId) {
        InMemoryBus owner = node(requester);
        if (owner != null) {
            owner.listener().fencePassed(room, fenceId);
        }
    }

    private synchronized InMemoryBus node(String nodeId) {
        return nodes.get(nodeId);
    }

    private List<InMemoryBus> followersOf(RoomKey room) {
        InMemoryBus[] nodes = followers.get(room);
        return nodes == null ? List.of() : List.of(nodes);
    }
}
