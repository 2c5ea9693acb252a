package dev.switchboard.cluster.internal;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the times Redis closed this node's subscription connection while Redis itself stayed reachable. Redis
 * does that to a pub/sub client whose unread output passes {@code client-output-buffer-limit pubsub} (32 MiB at
 * once, or 8 MiB for 60 s, by default): a node starved of CPU, paused, or slower than its rooms' traffic. The
 * messages in that buffer are gone; Lettuce reconnects and subscribes again, and the node re-registers its
 * members (docs/design/cluster-bus.md#a-subscriber-that-falls-behind).
 *
 * <p>A lost subscription is told apart from an outage by the command connection: a Redis that went away
 * closes both. Redis 7.2 and later also count their output-buffer disconnections ({@code INFO stats}), which
 * names the reason for sure.
 */
public final class SubscriptionLosses {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionLosses.class);
    private static final String LIMIT_COUNTER = "client_output_buffer_limit_disconnections:";
    /** How long an outage may take to close the command connection too. */
    private static final long SETTLE_MILLIS = 500;

    private final RedisLink redis;
    private final ScheduledExecutorService timer;
    private final long timeoutMillis;
    private final AtomicLong lost = new AtomicLong();
    /** Redis's own count of output-buffer disconnections when last read; -1 when it has none (before 7.2). */
    private volatile long limitDisconnections = -1;

    public SubscriptionLosses(RedisLink redis, ScheduledExecutorService timer, long timeoutMillis) {
        this.redis = redis;
        this.timer = timer;
        this.timeoutMillis = timeoutMillis;
    }

    /** Reads Redis's count once, so that the first loss can be compared with it. */
    public void start() {
        redis.info("stats").thenAccept(info -> limitDisconnections = limitDisconnections(info));
    }

    /** How many subscriptions were lost so far. */
    public long count() {
        return lost.get();
    }

    /** The subscription connection went down: counted, and logged once, unless Redis went away altogether. */
    public void subscriptionDown() {
        try {
            timer.schedule(this::check, SETTLE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // the bus is closing
        }
    }

    private void check() {
        if (!redis.commandConnectionOpen()) {
            return; // an outage, which the command connection reports
        }
        lost.incrementAndGet();
        // the command connection may be busy with what this node publishes: the reason may come late
        redis.info("stats").toCompletableFuture().orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .whenComplete((info, error) -> log.warn("Redis closed this node's subscription while staying "
                        + "reachable, {}; the cross-node messages waiting for this node were lost. Subscribing "
                        + "again and re-registering this node's members. If this repeats, give the node more "
                        + "CPU or raise client-output-buffer-limit pubsub on Redis "
                        + "(docs/design/cluster-bus.md#a-subscriber-that-falls-behind)",
                        reason(error == null ? limitDisconnections(info) : -1)));
    }

    private String reason(long now) {
        long before = limitDisconnections;
        if (now >= 0) {
            limitDisconnections = now;
        }
        if (now < 0 || before < 0) {
            return "most likely because this node fell behind: its unread messages passed Redis's "
                    + "client-output-buffer-limit for pub/sub clients";
        }
        return now > before ? "because this node fell behind: its unread messages passed Redis's "
                + "client-output-buffer-limit for pub/sub clients (Redis counted it)"
                : "though not for its output buffer (Redis counted none): a CLIENT KILL, a proxy or the network";
    }

    static long limitDisconnections(String info) {
        int at = info.indexOf(LIMIT_COUNTER);
        if (at < 0) {
            return -1;
        }
        int from = at + LIMIT_COUNTER.length();
        int to = from;
        while (to < info.length() && Character.isDigit(info.charAt(to))) {
            to++;
        }
        return to == from ? -1 : Long.parseLong(info.substring(from, to));
    }
}
