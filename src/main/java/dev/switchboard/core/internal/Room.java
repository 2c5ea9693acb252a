package dev.switchboard.core.internal;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.Outlet;
import dev.switchboard.core.RoomKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One room as this node sees it: its local members, and the members other nodes hold. Local members sit in a
 * copy-on-write array because a room is read (every relayed message) far more often than it changes.
 */
public final class Room implements LocalRoom {
    private static final LocalMember[] NONE = new LocalMember[0];

    private final RoomKey key;
    private volatile LocalMember[] locals = NONE;
    /** Members on other nodes; allocated on the first one (most rooms of a lone node never need it). */
    private volatile Map<String, MemberInfo> remote;
    /** Policies of the members that joined with one other than SHARED; null while there is none. */
    private java.util.Map<LocalMember, dev.switchboard.core.JoinPolicy> policies;
    /** Completes when the room's first read of the cluster's members has been applied. */
    private volatile java.util.concurrent.CompletionStage<Void> seeded = java.util.concurrent.CompletableFuture.completedFuture(null);
    /** Set once the room has been dropped from the hub; a retired room takes no members. */
    private boolean retired;
    /** The tail of the room's queued direct sends (behind a lookup or a registration); null when none was. */
    private java.util.concurrent.CompletableFuture<Boolean> queuedSends;

    public Room(RoomKey key) {
        this.key = key;
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
    public synchronized java.util.concurrent.CompletionStage<Boolean> afterQueuedSends(
            java.util.function.Supplier<java.util.concurrent.CompletionStage<Boolean>> send) {
        java.util.concurrent.CompletableFuture<Boolean> before = queuedSends == null
                ? java.util.concurrent.CompletableFuture.completedFuture(true) : queuedSends;
        java.util.concurrent.CompletableFuture<Boolean> next = before.handle((ok, error) -> true)
                .thenCompose(ignored -> send.get()).toCompletableFuture();
        queuedSends = next;
        return next;
    }

    /** Adds the member unless present; false when it already was, or the room is retired (see {@link #isRetired}). */
    public synchronized boolean add(LocalMember member) {
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
        locals = next;
        return true;
    }

    public synchronized boolean isRetired() {
        return retired;
    }

    public synchronized boolean remove(LocalMember member) {
        LocalMember[] current = locals;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == member) {
                LocalMember[] next = new LocalMember[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                locals = next;
                if (policies != null) {
                    policies.remove(member);
                }
                return true;
            }
        }
        return false;
    }

    /** Retires the room if it has no local member left; the caller then drops it. */
    public synchronized boolean retireIfEmpty() {
        if (locals.length == 0 && !retired) {
            retired = true;
            return true;
        }
        return false;
    }

    public LocalMember local(String id) {
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

    public java.util.concurrent.CompletionStage<Void> seeded() {
        return seeded;
    }

    /** Whether the room's first read of the cluster has been applied. */
    public boolean isSeeded() {
        return seeded.toCompletableFuture().isDone();
    }

    public void seeded(java.util.concurrent.CompletionStage<Void> stage) {
        this.seeded = stage;
    }

    /** Adds or updates a remote member; returns what was there before (null if new). */
    public MemberInfo putRemote(MemberInfo member) {
        return remoteMap().put(member.id(), member);
    }

    /** Replaces the view of remote members with {@code members}, returning who joined and who left. */
    public Diff reconcile(java.util.Collection<MemberInfo> members) {
        java.util.Map<String, MemberInfo> next = new java.util.LinkedHashMap<>();
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
    public synchronized void policy(LocalMember member, dev.switchboard.core.JoinPolicy policy) {
        if (policy == dev.switchboard.core.JoinPolicy.SHARED) {
            return;
        }
        if (policies == null) {
            policies = new java.util.IdentityHashMap<>(2);
        }
        policies.put(member, policy);
    }

    public synchronized dev.switchboard.core.JoinPolicy policyOf(LocalMember member) {
        dev.switchboard.core.JoinPolicy p = policies == null ? null : policies.get(member);
        return p == null ? dev.switchboard.core.JoinPolicy.SHARED : p;
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
        deliverTo(locals, envelope, exceptId);
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
