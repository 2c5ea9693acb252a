package dev.switchboard.cluster.internal;

import static dev.switchboard.cluster.internal.BusMessages.bytes;

import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus.Claim;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's membership in Redis: each room's members in a hash changed only by the claim and release
 * scripts (atomic, sequenced, announced on the room's channel in the same step), and each node's index of
 * the registrations it holds, from which a dead node's members are removed.
 */
public final class Registry {
    /** How long an empty room keeps its membership sequence: far longer than any claim is in flight. */
    private static final byte[] SEQUENCE_IDLE_MILLIS = bytes(Long.toString(TimeUnit.MINUTES.toMillis(10)));

    private final RedisLink redis;
    private final BusMessages names;
    private final String nodeId;

    public Registry(RedisLink redis, BusMessages names, String nodeId) {
        this.redis = redis;
        this.names = names;
        this.nodeId = nodeId;
    }

    /** Registers a member of this node (see {@link dev.switchboard.core.bus.Bus#claim}). */
    public CompletionStage<Claim> claim(RoomKey room, MemberInfo member, JoinPolicy policy) {
        byte[][] keys = {names.membersKey(room), names.sequenceKey(room)};
        // indexed before the claim (one connection, so in this order): a registration the index does not
        // list could never be reaped; an index entry without a registration is harmless (release checks)
        byte[] indexEntry = BusMessages.indexEntry(room, member.id());
        redis.sadd(names.nodeIndexKey(nodeId), indexEntry);
        CompletionStage<List<Object>> result = redis.eval(Scripts.CLAIM, ScriptOutputType.MULTI, keys,
                bytes(member.id()), bytes(BusMessages.nodeAndMeta(member)), bytes(policy.name()),
                names.roomChannel(room), bytes(nodeId));
        return result.thenApply(reply -> {
            boolean granted = ((Long) reply.get(0)) == 1L;
            String previous = text(reply.get(1));
            if (!granted) {
                MemberInfo holder = BusMessages.member(member.id(), previous);
                if (!holder.nodeId().equals(nodeId)) {
                    redis.srem(names.nodeIndexKey(nodeId), indexEntry);
                }
                return Claim.refused(holder);
            }
            MemberInfo replaced = null;
            if (!previous.isEmpty() && policy == JoinPolicy.TAKEOVER) {
                replaced = BusMessages.member(member.id(), previous);
                if (!replaced.nodeId().equals(nodeId)) {
                    redis.publish(names.nodeChannel(replaced.nodeId()), BusMessages.evict(nodeId, room, member.id()));
                }
            }
            List<MemberInfo> others = new ArrayList<>();
            for (Map.Entry<Long, MemberInfo> e : decodeMembers(pairs((List<?>) reply.get(2)))) {
                if (!e.getValue().id().equals(member.id())) {
                    others.add(e.getValue());
                }
            }
            return Claim.granted((Long) reply.get(3), others, replaced);
        });
    }

    /** Removes a member's registration and its index entry; the leave's sequence number, or 0. */
    public CompletionStage<Long> release(RoomKey room, MemberInfo member, LeaveReason reason) {
        CompletionStage<Long> seq = releaseOwned(room, member.id(), member.nodeId(), reason);
        redis.srem(names.nodeIndexKey(member.nodeId()), BusMessages.indexEntry(room, member.id()));
        return seq;
    }

    /** Releases the member if {@code owner} registered it; the leave's sequence number, or 0. */
    private CompletionStage<Long> releaseOwned(RoomKey room, String memberId, String owner, LeaveReason reason) {
        byte[][] keys = {names.membersKey(room), names.sequenceKey(room)};
        return redis.eval(Scripts.RELEASE, ScriptOutputType.INTEGER, keys, bytes(memberId), bytes(owner),
                names.roomChannel(room), bytes(nodeId), bytes(reason.name()), SEQUENCE_IDLE_MILLIS);
    }

    /** Every member of the room, in join order, read so that the reply is ordered with the room's events. */
    public CompletionStage<List<MemberInfo>> members(RoomKey room) {
        return redis.members(names.membersKey(room)).thenApply(map -> {
            List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>(map.entrySet());
            List<MemberInfo> out = new ArrayList<>(entries.size());
            for (Map.Entry<Long, MemberInfo> e : decodeMembers(entries)) {
                out.add(e.getValue());
            }
            return out;
        });
    }

    /**
     * Removes every membership a node's index lists, announcing each with {@code reason}, and then those index
     * entries (only those: a node that came back may be adding new ones meanwhile).
     */
    public CompletionStage<Void> removeNode(String node, LeaveReason reason) {
        return redis.smembers(names.nodeIndexKey(node)).thenCompose(entries -> {
            List<CompletableFuture<Long>> removals = new ArrayList<>();
            for (byte[] entry : entries) {
                removals.add(releaseIndexed(node, entry, reason).toCompletableFuture());
            }
            return CompletableFuture.allOf(removals.toArray(new CompletableFuture[0]));
        });
    }

    /** This node's index entries: {@code memberId\nroom}. */
    public CompletionStage<java.util.Set<byte[]>> ownIndex() {
        return redis.smembers(names.nodeIndexKey(nodeId));
    }

    /** Releases the registration one index entry of {@code node} names, then the entry itself. */
    public CompletionStage<Long> releaseIndexed(String node, byte[] entry, LeaveReason reason) {
        String[] parts = BusMessages.parseIndexEntry(entry);
        return releaseOwned(BusMessages.room(parts[1]), parts[0], node, reason)
                .thenCompose(seq -> redis.srem(names.nodeIndexKey(node), entry));
    }

    static List<Map.Entry<byte[], byte[]>> pairs(List<?> flat) {
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.add(Map.entry((byte[]) flat.get(i), (byte[]) flat.get(i + 1)));
        }
        return out;
    }

    /** Members sorted by join order (the sequence number of their value). */
    static List<Map.Entry<Long, MemberInfo>> decodeMembers(List<Map.Entry<byte[], byte[]>> entries) {
        List<Map.Entry<Long, MemberInfo>> out = new ArrayList<>(entries.size());
        for (Map.Entry<byte[], byte[]> e : entries) {
            String value = new String(e.getValue(), StandardCharsets.UTF_8);
            out.add(Map.entry(BusMessages.sequence(value),
                    BusMessages.member(new String(e.getKey(), StandardCharsets.UTF_8), value)));
        }
        out.sort(Comparator.comparing(Map.Entry::getKey));
        return out;
    }

    /** A reply element as text (Lettuce gives bulk strings as bytes). */
    public static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
