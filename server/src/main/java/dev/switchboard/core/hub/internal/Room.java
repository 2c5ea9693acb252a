package dev.switchboard.core.hub.internal;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.Outlet;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One room as this node sees it: its local members with their positions in the room's membership order, and
 * the members other nodes hold. Local members sit in a copy-on-write array because a room is read (every
 * relayed message) far more often than it changes.
 */
public final class Room implements LocalRoom {
    private static final LocalMember[] NONE = new LocalMember[0];
    private static final long[] NO_SEQS = new long[0];
    /** A local member's position in the membership order while its claim is unanswered. */
    public static final long PENDING = -1;
    /**
     * The position of a member that joined while the cluster could not be reached, or was re-registered after
     * an outage: before every change it may still hear of (the view of the other nodes' members then keeps it
     * from hearing one twice).
     */
    public static final long UNSEQUENCED = 0;
    /** The position of a change without one (the cluster could not be reached): after every member's. */
    public static final long UNORDERED = Long.MAX_VALUE;
    /** What {@link #remove} answers for a member that was not here. */
    public static final long ABSENT = Long.MIN_VALUE;

    private final RoomKey key;
    /**
     * Whether the room keeps its members' positions: only where someone hears of membership (a namespace with a
     * handler); a y-webrtc topic has none to tell, so its rooms spare the array (heap per idle connection).
     */
    private final boolean ordered;
    private volatile LocalMember[] locals = NONE;
    /**
     * The local members by id, once the room has had more than {@link #INDEX_ABOVE} (named-peer and PeerJS keep
     * every peer of the node in one room, and each relayed message looks its target up): for each id the first
     * member of {@link #locals} with it, as a scan would find. Null in small rooms, where a scan is cheaper.
     */
    private volatile Map<String, LocalMember> byId;
    static final int INDEX_ABOVE = 8;
    /** Each local member's position in the room's membership order, by index in {@link #locals}. */
    private long[] seqs = NO_SEQS;
    /** Members on other nodes; allocated on the first one (most rooms of a lone node never need it). */
    private volatile Map<String, MemberInfo> remote;
    /** Policies of the members that joined with one other than SHARED; null while there is none. */
    private Map<LocalMember, JoinPolicy> policies;
    /** Completes when the room's first read of the cluster's members has been applied. */
    private volatile CompletionStage<Void> seeded = CompletableFuture.completedFuture(null);
    /** Set once the room has been dropped from the hub; a retired room takes no members. */
    private boolean retired;
    /** The tail of the room's queued direct sends (behind a lookup or a registration); null when none was. */
    private CompletableFuture<Boolean> queuedSends;
    /** Claims of this node for the room whose answers have not been applied; the room stays while any is. */
    private int claimsInFlight;
    /**
     * Membership changes seen while claims were in flight, in arrival order: each joiner hears, once its own
     * position is known, those that came after it. Null while there is none.
     */
    private ArrayDeque<Seen> changes;
    /** How many changes were recorded so far: the arrival index of the next. */
    private long arrivals;
    /** For each claim in flight, the arrival index when it started (changes before it cannot come after it). */
    private ArrayList<Long> claimMarks;
    /**
     * Messages for ids whose claims (other than shared joins) are in flight on this node, held until the answer:
     * another node may hear of the claim and send before the answer is back here. Null while there is none.
     */
    private volatile Map<String, Held> holds;

    /**
     * This node's sends of the room on a detour, and its sends to members that moved waiting behind a fence
     * ({@link MoveQueue}); null until a member of the room first moves or a send first takes a detour (read on
     * every direct send).
     */
    private volatile MoveQueue moves;

    /** Most messages held for one claim in flight; a claim is one round trip, so more means a flood. */
    static final int MAX_HELD_MESSAGES = 1024;

    /** What is held for one id: how many of this node's claims for it are in flight, and the messages. */
    private static final class Held {
        int claims;
        /** Also while a local member holds the id (a resume of it is in flight), not only while none does. */
        boolean overLocal;
        final List<Envelope> messages = new ArrayList<>(2);
    }

    /** A recorded change and its arrival index. */
    private record Seen(long arrival, Change change) {
    }

    /** A membership change at position {@code seq} of the room's order ({@link #UNORDERED}: none). */
    public record Change(long seq, MemberInfo member, boolean joined, LeaveReason reason) {
    }

    public Room(RoomKey key, boolean ordered) {
        this.key = key;
        this.ordered = ordered;
    }

    @Override
    public RoomKey key() {
        return key;
    }

    /**
     * Whether a direct send is waiting on a lookup of its target (or on a member's registration): later sends
     * must queue behind it.
     */
    public synchronized boolean sendsQueued() {
        return queuedSends != null && !queuedSends.isDone();
    }

    /**
     * Runs {@code send} once every earlier queued send of this room has gone, so that a send waiting on a
     * lookup is not overtaken by a later one that finds its target at once (one sender's order holds).
     */
    public synchronized CompletionStage<Boolean> afterQueuedSends(Supplier<CompletionStage<Boolean>> send) {
        CompletableFuture<Boolean> before = queuedSends == null ? CompletableFuture.completedFuture(true) : queuedSends;
        CompletableFuture<Boolean> next = before.handle((ok, error) -> true)
                .thenCompose(ignored -> send.get()).toCompletableFuture();
        queuedSends = next;
        return next;
    }

    private MoveQueue moves() {
        MoveQueue q = moves;
        if (q == null) {
            synchronized (this) {
                q = moves;
                if (q == null) {
                    moves = q = new MoveQueue();
                }
            }
        }
        return q;
    }

    /** See {@link MoveQueue#detourStarted}. */
    public void detourStarted() {
        moves().detourStarted();
    }

    public void detourEnded() {
        moves().detourEnded();
    }

    /** See {@link MoveQueue#detoursEnded}. */
    public CompletionStage<Void> detoursEnded() {
        MoveQueue q = moves;
        return q == null ? CompletableFuture.completedFuture(null) : q.detoursEnded();
    }

    /** Whether direct sends to {@code id} wait behind a fence; one volatile read while no member moved. */
    public boolean fenced(String id) {
        MoveQueue q = moves;
        return q != null && q.fenced(id);
    }

    /** See {@link MoveQueue#fence}. */
    public void fence(String id, CompletionStage<?> until) {
        moves().fence(id, until);
    }

    /** See {@link MoveQueue#afterFence}. */
    public CompletionStage<Boolean> afterFence(String id, Supplier<CompletionStage<Boolean>> send) {
        return moves().afterFence(id, send);
    }

    /**
     * Adds the member at position {@code seq} unless present; false when it already was, or the room is
     * retired (see {@link #isRetired}).
     */
    public synchronized boolean add(LocalMember member, long seq) {
        if (retired) {
            return false;
        }
        LocalMember[] current = locals;
        for (LocalMember m : current) {
            if (m == member) {
                return false;
            }
        }
        LocalMember[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = member;
        if (ordered) {
            long[] nextSeqs = Arrays.copyOf(seqs, current.length + 1);
            nextSeqs[current.length] = seq;
            seqs = nextSeqs;
        }
        locals = next;
        Map<String, LocalMember> index = byId;
        if (index != null) {
            index.putIfAbsent(member.id(), member); // after any holder of the id, as in the array
        } else if (next.length > INDEX_ABOVE) {
            index = new ConcurrentHashMap<>();
            for (LocalMember m : next) {
                index.putIfAbsent(m.id(), m);
            }
            byId = index;
        }
        return true;
    }

    public synchronized boolean isRetired() {
        return retired;
    }

    /** Removes the member; returns its position in the order, or {@link #ABSENT} if it was not here. */
    public synchronized long remove(LocalMember member) {
        LocalMember[] current = locals;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == member) {
                long seq = ordered ? seqs[i] : UNSEQUENCED;
                LocalMember[] next = new LocalMember[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                if (ordered) {
                    long[] nextSeqs = new long[current.length - 1];
                    System.arraycopy(seqs, 0, nextSeqs, 0, i);
                    System.arraycopy(seqs, i + 1, nextSeqs, i, current.length - i - 1);
                    seqs = nextSeqs;
                }
                locals = next;
                unindex(member, next);
                if (policies != null) {
                    policies.remove(member);
                }
                return seq;
            }
        }
        return ABSENT;
    }

    /** Whether this very member object is in the room. */
    public boolean contains(LocalMember member) {
        for (LocalMember m : locals) {
            if (m == member) {
                return true;
            }
        }
        return false;
    }

    /** Sets a present member's position in the order; false if it is not here. */
    public synchronized boolean sequence(LocalMember member, long seq) {
        if (!ordered) {
            return contains(member);
        }
        LocalMember[] current = locals;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == member) {
                seqs[i] = seq;
                return true;
            }
        }
        return false;
    }

    /** Every member whose claim is answered becomes {@link #UNSEQUENCED} (after an outage). */
    public synchronized void unsequenceAll() {
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i] != PENDING) {
                seqs[i] = UNSEQUENCED;
            }
        }
    }

    /**
     * The local members that should hear of a change at position {@code seq}: those whose own position is known
     * and earlier, except the member the change is about.
     */
    public synchronized List<LocalMember> audience(long seq, String aboutId) {
        LocalMember[] current = locals;
        if (!ordered) {
            List<LocalMember> all = new ArrayList<>(current.length);
            for (LocalMember m : current) {
                if (!m.id().equals(aboutId)) {
                    all.add(m);
                }
            }
            return all;
        }
        List<LocalMember> out = null;
        for (int i = 0; i < current.length; i++) {
            long own = seqs[i];
            if (own != PENDING && own < seq && !current[i].id().equals(aboutId)) {
                if (out == null) {
                    out = new ArrayList<>(current.length);
                }
                out.add(current[i]);
            }
        }
        return out == null ? List.of() : out;
    }

    /**
     * One claim more in flight: the room keeps the changes it sees until the claim is answered. Returns the
     * claim's mark, to hand back to {@link #claimAnswered}.
     */
    public synchronized long claimStarted() {
        claimsInFlight++;
        if (claimMarks == null) {
            claimMarks = new ArrayList<>(2);
        }
        claimMarks.add(arrivals);
        return arrivals;
    }

    /**
     * One claim answered. Changes that arrived before every claim still in flight started are dropped: each was
     * numbered before those claims ran, so none of them comes after any of their joiners (under constant
     * churn some claim is always in flight, and the record would otherwise only grow).
     */
    public synchronized void claimAnswered(long mark) {
        claimsInFlight--;
        claimMarks.remove(Long.valueOf(mark));
        if (claimsInFlight == 0) {
            changes = null;
            claimMarks = null;
            return;
        }
        long oldest = Long.MAX_VALUE;
        for (long m : claimMarks) {
            oldest = Math.min(oldest, m);
        }
        while (changes != null && !changes.isEmpty() && changes.peekFirst().arrival() < oldest) {
            changes.pollFirst();
        }
    }

    /**
     * A claim for {@code id} started on this node: messages for the id that no local member takes are held until
     * it is answered; with {@code overLocal} (a resume), also those for a local member with the id.
     */
    public synchronized void holdFor(String id, boolean overLocal) {
        Map<String, Held> h = holds;
        if (h == null) {
            h = new java.util.HashMap<>(2);
        }
        Held held = h.computeIfAbsent(id, k -> new Held());
        held.claims++;
        held.overLocal |= overLocal;
        holds = h;
    }

    /**
     * Holds a message for {@code id} if a claim for it is in flight here; false when none is (the caller delivers
     * it). A claim of an id held by a local member (a resume) holds that member's messages too, so the resumed
     * connection gets them after what was kept for it, in order.
     */
    public boolean hold(String id, Envelope envelope) {
        return hold(id, envelope, false);
    }

    /**
     * As {@link #hold(String, Envelope)}; {@code orRemote}: not either when another node is known to hold the id
     * (a message of a local sender goes there; one from the bus was sent to this node, so it is for the claim).
     */
    public boolean hold(String id, Envelope envelope, boolean orRemote) {
        if (holds == null) {
            return false;
        }
        synchronized (this) {
            Held held = holds == null ? null : holds.get(id);
            if (held == null || !held.overLocal && (local(id) != null || orRemote && remote(id) != null)) {
                return false;
            }
            if (held.messages.size() < MAX_HELD_MESSAGES) {
                held.messages.add(envelope);
            }
            return true;
        }
    }

    /** Whether a claim for {@code id} is in flight here (messages for it are held). */
    public synchronized boolean holding(String id) {
        return holds != null && holds.containsKey(id);
    }

    /**
     * One claim for {@code id} answered: when granted, takes what was held for the id (to be written before the
     * member joins); when refused, keeps it for another claim of the id still in flight, or with the last hands
     * it to the local member that holds the id (if any; else it is dropped, as for any absent member).
     */
    public synchronized List<Envelope> stopHolding(String id, boolean granted) {
        Map<String, Held> h = holds;
        Held held = h == null ? null : h.get(id);
        if (held == null) {
            return List.of();
        }
        held.claims--;
        List<Envelope> out = List.of();
        if (granted) {
            out = List.copyOf(held.messages);
            held.messages.clear();
        }
        if (held.claims == 0) {
            LocalMember holder = granted ? null : local(id);
            if (holder != null) {
                Endpoint endpoint = holder.endpoint();
                for (Envelope e : held.messages) {
                    endpoint.outlet().deliver(e, endpoint);
                }
            }
            h.remove(id);
            if (h.isEmpty()) {
                holds = null;
            }
        }
        return out;
    }

    /**
     * Adds a member whose claim was granted at position {@code seq}, after writing it {@code first} and then what
     * was held for it, all under the room's lock: a message that finds the member in the room can only come
     * after. False when it was already here or the room is retired.
     */
    public synchronized boolean admit(LocalMember member, long seq, List<Envelope> first, List<Envelope> held) {
        if (retired || contains(member)) {
            return false;
        }
        Endpoint endpoint = member.endpoint();
        for (Envelope e : first) {
            endpoint.outlet().deliver(e, endpoint);
        }
        for (Envelope e : held) {
            endpoint.outlet().deliver(e, endpoint);
        }
        return add(member, seq);
    }

    /** Records a change for the joiners whose claims are in flight; nothing when none is. */
    public synchronized void record(Change change) {
        if (claimsInFlight > 0) {
            if (changes == null) {
                changes = new ArrayDeque<>(4);
            }
            changes.add(new Seen(arrivals++, change));
        }
    }

    /** How many changes the room holds for claims in flight. */
    public synchronized int recorded() {
        return changes == null ? 0 : changes.size();
    }

    /** The changes seen since the claims in flight began that come after position {@code seq}, in order. */
    public synchronized List<Change> changesAfter(long seq) {
        if (changes == null) {
            return List.of();
        }
        List<Change> out = new ArrayList<>();
        for (Seen seen : changes) {
            if (seen.change().seq() > seq) {
                out.add(seen.change());
            }
        }
        return out;
    }

    /** Retires the room if it has no local member left and no claim in flight; the caller then drops it. */
    public synchronized boolean retireIfEmpty() {
        if (locals.length == 0 && claimsInFlight == 0 && !retired) {
            retired = true;
            return true;
        }
        return false;
    }

    /** Drops a removed member from the index; another member with its id (a takeover's) takes its place. */
    private void unindex(LocalMember member, LocalMember[] remaining) {
        Map<String, LocalMember> index = byId;
        if (index == null || index.get(member.id()) != member) {
            return;
        }
        for (LocalMember m : remaining) {
            if (m.id().equals(member.id())) {
                index.replace(m.id(), member, m);
                return;
            }
        }
        index.remove(member.id(), member);
    }

    public LocalMember local(String id) {
        Map<String, LocalMember> index = byId;
        if (index != null) {
            return id == null ? null : index.get(id);
        }
        for (LocalMember m : locals) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        return null;
    }

    public int localCount() {
        return locals.length;
    }

    public int count() {
        Map<String, MemberInfo> r = remote;
        return locals.length + (r == null ? 0 : r.size());
    }

    private Map<String, MemberInfo> remoteMap() {
        Map<String, MemberInfo> r = remote;
        if (r == null) {
            synchronized (this) {
                r = remote;
                if (r == null) {
                    r = new ConcurrentHashMap<>(4);
                    remote = r;
                }
            }
        }
        return r;
    }

    public CompletionStage<Void> seeded() {
        return seeded;
    }

    /** Whether the room's first read of the cluster has been applied. */
    public boolean isSeeded() {
        return seeded.toCompletableFuture().isDone();
    }

    public void seeded(CompletionStage<Void> stage) {
        this.seeded = stage;
    }

    /** Adds or updates a remote member; returns what was there before (null if new). */
    public MemberInfo putRemote(MemberInfo member) {
        return remoteMap().put(member.id(), member);
    }

    /** Replaces the view of remote members with {@code members}, returning who joined and who left. */
    public Diff reconcile(Collection<MemberInfo> members) {
        Map<String, MemberInfo> next = new LinkedHashMap<>();
        for (MemberInfo m : members) {
            next.put(m.id(), m);
        }
        List<MemberInfo> joined = new ArrayList<>();
        List<MemberInfo> left = new ArrayList<>();
        if (remote == null && next.isEmpty()) {
            return new Diff(joined, left);
        }
        Map<String, MemberInfo> remote = remoteMap();
        for (MemberInfo old : List.copyOf(remote.values())) {
            MemberInfo now = next.get(old.id());
            if (now == null || !now.equals(old)) {
                if (remote.remove(old.id(), old)) {
                    left.add(old);
                }
            }
        }
        for (MemberInfo m : next.values()) {
            if (remote.putIfAbsent(m.id(), m) == null) {
                joined.add(m);
            }
        }
        return new Diff(joined, left);
    }

    /** Remote members that appeared and disappeared in a {@link #reconcile}. */
    public record Diff(List<MemberInfo> joined, List<MemberInfo> left) {
    }

    /** Remembers the policy a local member joined with, when it is not SHARED (for re-registration). */
    public synchronized void policy(LocalMember member, JoinPolicy policy) {
        if (policy == JoinPolicy.SHARED) {
            return;
        }
        if (policies == null) {
            policies = new IdentityHashMap<>(2);
        }
        policies.put(member, policy);
    }

    public synchronized JoinPolicy policyOf(LocalMember member) {
        JoinPolicy p = policies == null ? null : policies.get(member);
        return p == null ? JoinPolicy.SHARED : p;
    }

    public boolean removeRemote(MemberInfo member) {
        Map<String, MemberInfo> r = remote;
        return r != null && r.remove(member.id(), member);
    }

    public MemberInfo remote(String id) {
        Map<String, MemberInfo> r = remote;
        return r == null ? null : r.get(id);
    }

    public Collection<MemberInfo> remotes() {
        Map<String, MemberInfo> r = remote;
        return r == null ? List.of() : r.values();
    }

    @Override
    public List<LocalMember> members() {
        return List.of(locals);
    }

    @Override
    public void deliver(Envelope envelope, String exceptId) {
        if (holds != null) {
            deliverHolding(envelope, exceptId);
            return;
        }
        deliverTo(locals, envelope, exceptId);
    }

    /** A broadcast while some claims are in flight: members whose id is being claimed again get it held. */
    private void deliverHolding(Envelope envelope, String exceptId) {
        LocalMember[] current = locals;
        List<LocalMember> rest = new ArrayList<>(current.length);
        for (LocalMember m : current) {
            if (m.id().equals(exceptId) || !hold(m.id(), envelope)) {
                rest.add(m);
            }
        }
        deliverTo(rest.toArray(NONE), envelope, exceptId);
    }

    /** Groups receivers by outlet (in practice one per room) so that each outlet encodes the envelope once. */
    static void deliverTo(LocalMember[] members, Envelope envelope, String exceptId) {
        if (members.length == 0) {
            return;
        }
        Outlet outlet = members[0].endpoint().outlet();
        List<Endpoint> same = new ArrayList<>(members.length);
        List<LocalMember> others = null;
        for (LocalMember m : members) {
            if (exceptId != null && exceptId.equals(m.id())) {
                continue;
            }
            Endpoint endpoint = m.endpoint();
            if (endpoint.outlet() == outlet) {
                same.add(endpoint);
            } else {
                if (others == null) {
                    others = new ArrayList<>();
                }
                others.add(m);
            }
        }
        if (!same.isEmpty()) {
            outlet.deliver(envelope, same);
        }
        if (others != null) {
            for (LocalMember m : others) {
                m.endpoint().outlet().deliver(envelope, m.endpoint());
            }
        }
    }
}
