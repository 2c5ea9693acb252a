package dev.switchboard.cluster.internal;

/**
 * The Lua scripts that keep each membership change atomic on the Redis side. Every script touches the keys of
 * one room only (they share a hash tag), so they run unchanged on a Redis Cluster. Stored member values are
 * {@code <seq>|<nodeId>|<metadata json>}; {@code seq} orders members by join time.
 */
public final class Scripts {
    private Scripts() {
    }

    /**
     * KEYS: room hash, room sequence. ARGV: memberId, "nodeId|meta", policy, room channel, origin node.
     * Returns {granted (1/0), previous holder value or "", [HGETALL after], the claim's sequence number}. The
     * sequence orders the room's membership changes (claims and releases) cluster-wide; a takeover's leave of
     * the replaced member shares the claim's number and is published first.
     */
    public static final String CLAIM = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if cur and ARGV[3] == 'EXCLUSIVE' then return {0, cur, {}, 0} end
            local seq = redis.call('INCR', KEYS[2])
            redis.call('PERSIST', KEYS[2])
            local val = seq .. '|' .. ARGV[2]
            if cur and ARGV[3] == 'TAKEOVER' then
              redis.call('PUBLISH', ARGV[4], 'L\\n' .. ARGV[5] .. '\\nREPLACED\\n' .. seq .. '\\n' .. ARGV[1] .. '\\n' .. cur)
            end
            redis.call('HSET', KEYS[1], ARGV[1], val)
            redis.call('PUBLISH', ARGV[4], 'J\\n' .. ARGV[5] .. '\\n' .. ARGV[1] .. '\\n' .. val)
            return {1, cur or '', redis.call('HGETALL', KEYS[1]), seq}
            """;

    /**
     * KEYS: room hash, room sequence. ARGV: memberId, owner nodeId, room channel, origin node, reason, how long
     * an empty room keeps its sequence (ms). Removes the member only if it is still registered by that node.
     * Returns the leave's sequence number, or 0 if nothing was removed. An empty room's sequence outlives it
     * by far more than a claim can be in flight, so a node that still holds events of the room never sees a
     * number again; then it expires, so rooms that are gone leave nothing behind.
     */
    public static final String RELEASE = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if not cur then return 0 end
            local node = string.match(cur, '^%d+|([^|]*)|')
            if node ~= ARGV[2] then return 0 end
            redis.call('HDEL', KEYS[1], ARGV[1])
            local seq = redis.call('INCR', KEYS[2])
            if redis.call('HLEN', KEYS[1]) == 0 then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
            redis.call('PUBLISH', ARGV[3], 'L\\n' .. ARGV[4] .. '\\n' .. ARGV[5] .. '\\n' .. seq .. '\\n' .. ARGV[1] .. '\\n' .. cur)
            return seq
            """;

    /**
     * KEYS: nodes zset. ARGV: nodeId, failure timeout ms. Beats with Redis's clock. Returns {1 if the node was
     * not listed (new, or dropped by the cluster as dead), live node count}.
     */
    public static final String HEARTBEAT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local added = redis.call('ZADD', KEYS[1], now, ARGV[1])
            if ARGV[3] and ARGV[3] ~= '' then
              redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
            end
            return {added, redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[2]), '+inf')}
            """;

    /**
     * KEYS: nodes zset, summaries hash (same hash tag). ARGV: failure timeout ms. The live nodes, each as three
     * entries: id, ms since its last beat (Redis's clock), its summary ('' if none). Summaries of nodes no
     * longer live are dropped on the way, so the hash never outgrows the cluster.
     */
    public static final String NODES = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf', 'WITHSCORES')
            local out = {}
            local seen = {}
            for i = 1, #live, 2 do
              seen[live[i]] = true
              table.insert(out, live[i])
              table.insert(out, tostring(now - tonumber(live[i + 1])))
              table.insert(out, redis.call('HGET', KEYS[2], live[i]) or '')
            end
            for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
              if not seen[id] then
                redis.call('HDEL', KEYS[2], id)
              end
            end
            return out
            """;

    /**
     * KEYS: nodes zset, reaping zset (same hash tag). ARGV: failure timeout ms, lease ms. Moves the nodes whose
     * last beat is older than the timeout to the reaping set under a lease and returns them, with the nodes
     * whose earlier reaper let its lease run out (it died mid-way); atomic, so each is handed to exactly one
     * survivor at a time. The reaper removes a node from the reaping set only once its members are gone, so a
     * reaper's crash delays a clean-up but never loses it. A node that beats again is not reaped again.
     */
    public static final String REAP = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local out = {}
            local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
            for _, n in ipairs(lapsed) do
              local beat = redis.call('ZSCORE', KEYS[1], n)
              if beat and tonumber(beat) > now - tonumber(ARGV[1]) then
                redis.call('ZREM', KEYS[2], n)
              else
                redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), n)
                table.insert(out, n)
              end
            end
            local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
            for _, n in ipairs(dead) do
              redis.call('ZREM', KEYS[1], n)
              redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), n)
              table.insert(out, n)
            end
            return out
            """;
}
