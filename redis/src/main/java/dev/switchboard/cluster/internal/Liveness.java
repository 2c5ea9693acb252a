package dev.switchboard.cluster.internal;

import static dev.switchboard.cluster.internal.BusMessages.bytes;

import dev.switchboard.core.LeaveReason;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes are alive: this node's heartbeats in a sorted set scored with Redis's clock, a latency probe with
 * each beat, and the reaping of nodes whose beats stopped, each by exactly one survivor under a lease.
 */
public final class Liveness {
    private static final Logger log = LoggerFactory.getLogger(Liveness.class);

    private final RedisLink redis;
    /** Where the beats go: {@link #redis}, or a link of its own when that one runs on the node's loops. */
    private final RedisLink beats;
    private final BusMessages names;
    private final String nodeId;
    private final Registry registry;
    private final BusState state;
    private final Duration failureTimeout;
    private final Duration commandTimeout;
    /** Called when a beat shows this node must register its members again (back from an outage, or dropped). */
    private final Runnable resync;
    /** Whether a heartbeat has listed this node: a later beat that finds it unlisted means it was dropped. */
    private volatile boolean listed;
    private ScheduledFuture<?> heartbeat;
    /** What this node says about itself with each beat (dev.switchboard.core.bus.ClusterView#report). */
    private volatile java.util.function.Supplier<String> summary = () -> "";
    /** Removes a dead node's members; by default all at once (RedisBus parks resumable ones: Mailboxes#reapNode). */
    private volatile java.util.function.Function<String, java.util.concurrent.CompletionStage<Void>> reaper;

    public Liveness(RedisLink redis, RedisLink beats, BusMessages names, String nodeId, Registry registry,
                    BusState state, Duration failureTimeout, Duration commandTimeout, Runnable resync) {
        this.redis = redis;
        this.beats = beats;
        this.names = names;
        this.nodeId = nodeId;
        this.registry = registry;
        this.state = state;
        this.failureTimeout = failureTimeout;
        this.commandTimeout = commandTimeout;
        this.resync = resync;
        this.reaper = node -> registry.removeNode(node, LeaveReason.NODE_LOST);
    }

    /** How a dead node's members are removed; the stage completes once they all are. */
    public void reapWith(java.util.function.Function<String, java.util.concurrent.CompletionStage<Void>> reaper) {
        this.reaper = reaper;
    }

    /** Beats now, then every {@code interval}. */
    public void start(ScheduledExecutorService timer, Duration interval) {
        beat();
        long ms = interval.toMillis();
        heartbeat = timer.scheduleAtFixedRate(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
    }

    private void tick() {
        if (state.closed()) {
            return;
        }
        beat();
        // A probe through Redis and back measures the hop every cross-node message takes.
        redis.publish(names.nodeChannel(nodeId), BusMessages.probe(nodeId, System.nanoTime()));
        redis.eval(Scripts.REAP, ScriptOutputType.MULTI, new byte[][] {names.nodesKey(), names.reapingKey()},
                        bytes(Long.toString(failureTimeout.toMillis())), bytes(Long.toString(reapLeaseMillis())))
                .thenAccept(dead -> {
                    for (Object d : (List<?>) dead) {
                        String node = Registry.text(d);
                        if (!node.equals(nodeId)) { // this node beat just now: if it was listed, it is back
                            log.warn("node {} stopped beating; removing its members", node);
                            reaper.apply(node).thenCompose(done -> redis.zrem(names.reapingKey(), bytes(node)));
                        }
                    }
                });
    }

    public void summary(java.util.function.Supplier<String> summary) {
        this.summary = summary;
    }

    /** The live nodes: id, ms since its beat, summary; three entries each (Scripts.NODES). */
    public java.util.concurrent.CompletionStage<List<Object>> nodes() {
        return redis.eval(Scripts.NODES, ScriptOutputType.MULTI, new byte[][] {names.nodesKey(), names.summariesKey()},
                bytes(Long.toString(failureTimeout.toMillis())));
    }

    /** One heartbeat; it also learns the cluster's size, and whether this node is back or was dropped. */
    public void beat() {
        String said;
        try {
            said = summary.get();
        } catch (RuntimeException e) {
            said = ""; // a summary is for display only: a failure must never stop the beat
        }
        beats.<List<Object>>eval(Scripts.HEARTBEAT, ScriptOutputType.MULTI,
                        new byte[][] {names.nodesKey(), names.summariesKey()},
                        bytes(nodeId), bytes(Long.toString(failureTimeout.toMillis())), bytes(said))
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        boolean unlisted = ((Long) reply.get(0)) == 1L;
                        state.nodes(((Long) reply.get(1)).intValue());
                        if (unlisted && listed) {
                            // dropped from the cluster (taken for dead, or Redis lost its data): register again
                            log.warn("this node was no longer listed in the cluster; re-registering its members");
                        }
                        if (!state.connected() || (unlisted && listed)) {
                            resync.run();
                        }
                        listed = true;
                    } else {
                        state.connected(false);
                    }
                });
    }

    /** How long a reaper may take before another survivor takes its dead node over. */
    private long reapLeaseMillis() {
        return Math.max(5_000, commandTimeout.toMillis() * 4);
    }
}
