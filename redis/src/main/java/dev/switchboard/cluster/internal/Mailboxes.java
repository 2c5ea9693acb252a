package dev.switchboard.cluster.internal;

import static dev.switchboard.cluster.internal.BusMessages.bytes;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus.Claim;
import dev.switchboard.core.bus.Bus.Mail;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Resume on Redis (docs/design/resume.md): the mailbox of a parked member, and the resume claim that takes a
 * member over with it. A mailbox is a list under the room's hash tag, {@code <p>:x:{<room>}:<memberId>}: the
 * parked registration's stored value (which registration it is for), the bytes it holds, then the messages;
 * it expires with the resume window, so it outlives the node that parked it for as long as a resume may come.
 * Every step is one script: a message mailed before the resume claim is in the claim's answer, one mailed
 * after finds the registration changed and is refused ({@link Mail#GONE}).
 */
public final class Mailboxes {
    /** The metadata JSON of a stored value {@code seq|node|meta}, decoded; nil when it is not a JSON object. */
    private static final String META = """
            local function meta(v)
              local ok, m = pcall(cjson.decode, string.match(v, '^%d+|[^|]*|(.*)$') or '')
              if ok and type(m) == 'table' then return m end
              return nil
            end
            """;

    /**
     * KEYS: room hash, room sequence, mailbox. ARGV: memberId, "nodeId|meta", resume value, room channel, origin,
     * the direct channel of the room without its node (BusMessages#directChannel is it followed by the node id).
     * Refused when the id is held by a registration without that resume value. Otherwise takes the next number,
     * stores the member and publishes its join (no leave: the others knew the id), and takes the mailbox if it
     * was the holder's. A holder whose node no longer listens on its direct channel died before anything was
     * mailed for it: it was parked all the same, with an empty mailbox. Returns {granted, holder value or "",
     * [HGETALL after], seq, [messages] or 0}.
     */
    static final String RESUME = META + """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if cur then
              local m = meta(cur)
              if not m or m['resume'] ~= ARGV[3] then return {0, cur, {}, 0, 0} end
            end
            local seq = redis.call('INCR', KEYS[2])
            redis.call('PERSIST', KEYS[2])
            local val = seq .. '|' .. ARGV[2]
            redis.call('HSET', KEYS[1], ARGV[1], val)
            redis.call('PUBLISH', ARGV[4], 'J\\n' .. ARGV[5] .. '\\n' .. ARGV[1] .. '\\n' .. val)
            local box = 0
            if cur and redis.call('LINDEX', KEYS[3], 0) == cur then
              box = redis.call('LRANGE', KEYS[3], 2, -1)
            elseif cur then
              local node = string.match(cur, '^%d+|([^|]*)|')
              if redis.call('PUBSUB', 'NUMSUB', ARGV[6] .. node)[2] == 0 then box = {} end
            end
            redis.call('DEL', KEYS[3])
            return {1, cur or '', redis.call('HGETALL', KEYS[1]), seq, box}
            """;

    /**
     * KEYS: room hash, mailbox. ARGV: memberId, owner node, window ms. Opens an empty mailbox for the member's
     * current registration if that node holds it. Returns 1, or 0 when it does not.
     */
    static final String PARK = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if not cur or string.match(cur, '^%d+|([^|]*)|') ~= ARGV[2] then return 0 end
            redis.call('DEL', KEYS[2])
            redis.call('RPUSH', KEYS[2], cur, 0)
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            return 1
            """;

    /**
     * KEYS: room hash, mailbox. ARGV: memberId, owner node, payload, max messages, max bytes, window ms, open
     * ('1': open the mailbox if missing, for a resumable member of a node that died). Returns 1 kept, 2 full,
     * 0 gone (the registration is no longer that node's, or it is not parked).
     */
    static final String MAIL = META + """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if not cur or string.match(cur, '^%d+|([^|]*)|') ~= ARGV[2] then return 0 end
            if redis.call('LINDEX', KEYS[2], 0) ~= cur then
              local m = meta(cur)
              if ARGV[7] ~= '1' or not m or not m['resume'] then return 0 end
              redis.call('DEL', KEYS[2])
              redis.call('RPUSH', KEYS[2], cur, 0)
              redis.call('PEXPIRE', KEYS[2], ARGV[6])
            end
            local n = redis.call('LLEN', KEYS[2]) - 2
            local size = tonumber(redis.call('LINDEX', KEYS[2], 1)) + string.len(ARGV[3])
            if n >= tonumber(ARGV[4]) or size > tonumber(ARGV[5]) then return 2 end
            redis.call('RPUSH', KEYS[2], ARGV[3])
            redis.call('LSET', KEYS[2], 1, size)
            return 1
            """;

    /**
     * KEYS: room hash, mailbox. ARGV: memberId, dead node, window ms. The clean-up of a dead node's member: -1
     * when the node no longer holds it (nothing to do), 0 when it is not resumable (remove it now), else the
     * ms left of its window, its mailbox opened now if it was not parked yet (remove it then, unless resumed).
     */
    static final String PARK_DEAD = META + """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if not cur or string.match(cur, '^%d+|([^|]*)|') ~= ARGV[2] then return -1 end
            local m = meta(cur)
            if not m or not m['resume'] then return 0 end
            if redis.call('LINDEX', KEYS[2], 0) ~= cur then
              redis.call('DEL', KEYS[2])
              redis.call('RPUSH', KEYS[2], cur, 0)
              redis.call('PEXPIRE', KEYS[2], ARGV[3])
              return tonumber(ARGV[3])
            end
            return math.max(redis.call('PTTL', KEYS[2]), 0)
            """;

    private final RedisLink redis;
    private final BusMessages names;
    private final String nodeId;

    public Mailboxes(RedisLink redis, BusMessages names, String nodeId) {
        this.redis = redis;
        this.names = names;
        this.nodeId = nodeId;
    }

    /** See {@link dev.switchboard.core.bus.Bus#park}. */
    public CompletionStage<Void> park(RoomKey room, MemberInfo member, ResumeLimits limits) {
        byte[][] keys = {names.membersKey(room), names.mailboxKey(room, member.id())};
        return redis.<Long>eval(PARK, ScriptOutputType.INTEGER, keys, bytes(member.id()), bytes(member.nodeId()),
                bytes(Long.toString(Math.max(1, limits.window().toMillis())))).thenApply(r -> null);
    }

    /** See {@link dev.switchboard.core.bus.Bus#mail}. */
    public CompletionStage<Mail> mail(RoomKey room, MemberInfo member, Envelope envelope, ResumeLimits limits,
                                      boolean orOpen) {
        byte[][] keys = {names.membersKey(room), names.mailboxKey(room, member.id())};
        return redis.<Long>eval(MAIL, ScriptOutputType.INTEGER, keys, bytes(member.id()), bytes(member.nodeId()),
                        envelope.payload(), bytes(Integer.toString(limits.maxMessages())),
                        bytes(Long.toString(limits.maxBytes())), bytes(Long.toString(Math.max(1, limits.window().toMillis()))),
                        bytes(orOpen ? "1" : "0"))
                .thenApply(r -> r == 1L ? Mail.KEPT : r == 2L ? Mail.FULL : Mail.GONE);
    }

    /**
     * Removes a dead node's members as {@link Registry#removeNode} does, but leaves its resumable ones registered
     * (parked, their mailboxes open) for what is left of their window, and removes those that did not resume
     * then. Completes when all are gone: until then the node stays in the reaping set, so if this node dies too
     * another survivor takes the clean-up over (and finds the windows where they stand).
     */
    public CompletionStage<Void> reapNode(String node, java.time.Duration window,
                                          java.util.concurrent.ScheduledExecutorService timer, Registry registry) {
        return redis.smembers(names.nodeIndexKey(node)).thenCompose(entries -> {
            List<java.util.concurrent.CompletableFuture<?>> removals = new ArrayList<>();
            for (byte[] entry : entries) {
                String[] parts = BusMessages.parseIndexEntry(entry);
                RoomKey room = BusMessages.room(parts[1]);
                if (window.isZero()) {
                    removals.add(registry.releaseIndexed(node, entry, dev.switchboard.core.LeaveReason.NODE_LOST)
                            .toCompletableFuture());
                    continue;
                }
                byte[][] keys = {names.membersKey(room), names.mailboxKey(room, parts[0])};
                removals.add(redis.<Long>eval(PARK_DEAD, ScriptOutputType.INTEGER, keys, bytes(parts[0]), bytes(node),
                                bytes(Long.toString(window.toMillis())))
                        .thenCompose(left -> {
                            if (left <= 0) { // not resumable (release it now), or no longer the node's
                                return registry.releaseIndexed(node, entry, dev.switchboard.core.LeaveReason.NODE_LOST);
                            }
                            java.util.concurrent.CompletableFuture<Long> later = new java.util.concurrent.CompletableFuture<>();
                            timer.schedule(() -> registry.releaseIndexed(node, entry, dev.switchboard.core.LeaveReason.NODE_LOST)
                                    .whenComplete((seq, error) -> later.complete(0L)), left, java.util.concurrent.TimeUnit.MILLISECONDS);
                            return later;
                        }).toCompletableFuture());
            }
            return java.util.concurrent.CompletableFuture.allOf(removals.toArray(new java.util.concurrent.CompletableFuture[0]));
        });
    }

    /** A {@link dev.switchboard.core.JoinPolicy#RESUME} claim of a member of this node. */
    public CompletionStage<Claim> resume(RoomKey room, MemberInfo member) {
        byte[][] keys = {names.membersKey(room), names.sequenceKey(room), names.mailboxKey(room, member.id())};
        byte[] indexEntry = BusMessages.indexEntry(room, member.id());
        redis.sadd(names.nodeIndexKey(nodeId), indexEntry); // indexed first, as a claim is (Registry#claim)
        CompletionStage<List<Object>> result = redis.eval(RESUME, ScriptOutputType.MULTI, keys, bytes(member.id()),
                bytes(BusMessages.nodeAndMeta(member)), bytes(member.meta(MemberInfo.RESUME)),
                names.roomChannel(room), bytes(nodeId), names.directChannel(room, "", redis.sharded()));
        return result.thenApply(reply -> {
            String previous = Registry.text(reply.get(1));
            MemberInfo holder = previous.isEmpty() ? null : BusMessages.member(member.id(), previous);
            if ((Long) reply.get(0) != 1L) {
                if (!holder.nodeId().equals(nodeId)) {
                    redis.srem(names.nodeIndexKey(nodeId), indexEntry);
                }
                return Claim.refused(holder);
            }
            List<MemberInfo> others = new ArrayList<>();
            for (Map.Entry<Long, MemberInfo> e : Registry.decodeMembers(Registry.pairs((List<?>) reply.get(2)))) {
                if (!e.getValue().id().equals(member.id())) {
                    others.add(e.getValue());
                }
            }
            List<Envelope> kept = null;
            if (reply.get(4) instanceof List<?> box) {
                kept = new ArrayList<>(box.size());
                for (Object m : box) {
                    kept.add(Envelope.remote((byte[]) m));
                }
            }
            return Claim.resumed((Long) reply.get(3), others, holder, kept);
        });
    }
}
