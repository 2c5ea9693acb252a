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
     * Returns {granted (1/0), previous holder value or "", [HGETALL after] }.
     */
    public static final String CLAIM = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if cur and ARGV[3] == 'EXCLUSIVE' then return {0, cur, {}} end
            local seq = redis.call('INCR', KEYS[2])
            local val = seq .. '|' .. ARGV[2]
            if cur and ARGV[3] == 'TAKEOVER' then
              redis.call('PUBLISH', ARGV[4], 'L\\n' .. ARGV[5] .. '\\nREPLACED\\n' .. ARGV[1] .. '\\n' .. cur)
            end
            redis.call('HSET', KEYS[1], ARGV[1], val)
            redis.call('PUBLISH', ARGV[4], 'J\\n' .. ARGV[5] .. '\\n' .. ARGV[1] .. '\\n' .. val)
            return {1, cur or '', redis.call('HGETALL', KEYS[1])}
            """;

    /**
     * KEYS: room hash, room sequence. ARGV: memberId, owner nodeId, room channel, origin node, reason.
     * Removes the member only if it is still registered by that node. Returns 1 if removed.
     */
    public static final String RELEASE = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if not cur then return 0 end
            local node = string.match(cur, '^%d+|([^|]*)|')
            if node ~= ARGV[2] then return 0 end
            redis.call('HDEL', KEYS[1], ARGV[1])
            if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) end
            redis.call('PUBLISH', ARGV[3], 'L\\n' .. ARGV[4] .. '\\n' .. ARGV[5] .. '\\n' .. ARGV[1] .. '\\n' .. cur)
            return 1
            """;

    /** KEYS: nodes zset. ARGV: nodeId, failure timeout ms. Beats with Redis's clock; returns live node count. */
    public static final String HEARTBEAT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZADD', KEYS[1], now, ARGV[1])
            return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[2]), '+inf')
            """;

    /**
     * KEYS: nodes zset. ARGV: failure timeout ms. Removes and returns the nodes whose last beat is older than
     * the timeout; atomic, so each dead node is claimed by exactly one survivor, which then cleans it up.
     */
    public static final String REAP = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
            for _, n in ipairs(dead) do redis.call('ZREM', KEYS[1], n) end
            return dead
            """;
}
