package dev.switchboard.cluster;

import static dev.switchboard.cluster.internal.BusMessages.bytes;

import dev.switchboard.cluster.internal.BusMessages;
import dev.switchboard.cluster.internal.BusState;
import dev.switchboard.cluster.internal.Dispatcher;
import dev.switchboard.cluster.internal.Liveness;
import dev.switchboard.cluster.internal.Mailboxes;
import dev.switchboard.cluster.internal.NodeLoops;
import dev.switchboard.cluster.internal.RedisLink;
import dev.switchboard.cluster.internal.Registry;
import dev.switchboard.cluster.internal.Resync;
import dev.switchboard.cluster.internal.SubscriptionLosses;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.BusListener;
import dev.switchboard.core.bus.BusStatus;
import dev.switchboard.core.bus.ClusterView;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster bus over one Redis (Lettuce): membership in a hash per room, changed only by Lua scripts so each
 * change is atomic and announced on the room's channel; room traffic on the room channel, which only nodes
 * holding members of the room subscribe to; direct messages on a channel only the target's node hears (its
 * own, or on a Redis Cluster its own of the room: BusMessages#directChannel); evictions on its own; node
 * liveness as heartbeats in a sorted set, scored with Redis's clock.
 *
 * <p>Order: every publish of this node goes over one connection, and every node receives over one
 * subscription, so what one node sends reaches each other node in the order sent. Failures: commands fail
 * fast while Redis is unreachable (nothing is buffered); when Redis is back the hub re-registers its members
 * and reconciles ({@link BusListener#reconnected()}). A node whose heartbeats stop for the failure timeout is
 * reaped by exactly one survivor, which removes its members and announces their departure.
 *
 * <p>The parts: {@link Registry} (membership scripts and node indexes), {@link Dispatcher} (what arrives on
 * the subscriptions), {@link Liveness} (heartbeats, the hop probe, reaping) and {@link Resync} (coming back
 * after an outage); this class is the {@link Bus} they make together.
 */
public final class RedisBus implements Bus, ClusterView {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);

    static {
        // Lettuce finds both native transports here and warns, for each client it makes, that it picked epoll;
        // it would pick epoll anyway, so tell it not to look for io_uring (an operator's own setting stands).
        if (System.getProperty("io.lettuce.core.iouring") == null) {
            System.setProperty("io.lettuce.core.iouring", "false");
        }
    }

    private final RedisBusOptions options;
    private final String nodeId;
    private final BusMessages names;
    private final ClientResources resources;
    private final RedisLink redis;
    /** The heartbeats' link: {@link #redis}, or one on threads of its own while that one runs on the node's loops. */
    private final RedisLink beats;
    /** The threads of {@link #beats} when it has its own; else null. */
    private final ClientResources beatResources;
    private final ScheduledExecutorService timer;
    private final BusState state = new BusState();
    private final Registry registry;
    private final Resync resync;
    private final Liveness liveness;
    private final Dispatcher dispatcher;
    private final Mailboxes mailboxes;
    private final SubscriptionLosses subscriptionLosses;
    /** Whether the command connection is up, so that its loss is logged once. */
    private final AtomicBoolean commandLinkUp = new AtomicBoolean(true);

    private RedisBus(RedisBusOptions options) {
        this.options = options;
        this.nodeId = options.nodeId();
        this.names = new BusMessages(options.keyPrefix());
        // Lettuce's default backoff grows to 30 s; a node must be back within the 5 s recovery bound
        // however long Redis was away, so retry at least every second
        Delay backoff = Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS);
        // one Redis over epoll: the connections run on one of the node's event loops (NodeLoops); a Redis
        // Cluster's many shard connections, and other transports, keep Lettuce's own threads
        NodeLoops nodeLoops = options.cluster() ? null : NodeLoops.of(options.epollLoops());
        DefaultClientResources.Builder lettuce = DefaultClientResources.builder().computationThreadPoolSize(2)
                .reconnectDelay(backoff);
        this.resources = (nodeLoops != null ? lettuce.eventLoopGroupProvider(nodeLoops) : lettuce.ioThreadPoolSize(2))
                .build();
        log.debug("bus connections on {}", nodeLoops != null ? "the node's event loop" : "Lettuce's own threads");
        this.beatResources = nodeLoops == null ? null : DefaultClientResources.builder().ioThreadPoolSize(1)
                .computationThreadPoolSize(1).reconnectDelay(backoff).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-bus-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        RedisLink main = null;
        try {
            // a publish waits up to the failure timeout (never less than the command timeout: BusTimeouts): given
            // up before Lettuce wrote it, it would never be sent, a message lost from the middle of a stream, and
            // the cluster takes a node whose beats stop that long for dead anyway
            main = options.cluster()
                    ? RedisLink.cluster(resources, options.uri(), options.commandTimeout(), options.failureTimeout(),
                            options.tlsCa(), nodeId, timer)
                    : RedisLink.standalone(resources, options.uri(), options.commandTimeout(), options.failureTimeout(),
                            options.tlsCa(), nodeId, timer, nodeLoops == null ? null : nodeLoops.loop());
            this.beats = beatResources == null ? main
                    : RedisLink.forBeats(beatResources, options.uri(), options.commandTimeout(), options.tlsCa(), timer);
        } catch (RuntimeException e) {
            if (main != null) {
                main.close();
            }
            timer.shutdownNow();
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            if (beatResources != null) {
                beatResources.shutdown(0, 1, TimeUnit.SECONDS);
            }
            throw e;
        }
        this.redis = main;
        this.registry = new Registry(redis, names, nodeId);
        this.resync = new Resync(redis, names, nodeId, registry, state, timer);
        this.liveness = new Liveness(redis, beats, names, nodeId, registry, state, options.failureTimeout(),
                options.commandTimeout(), resync::schedule);
        this.dispatcher = new Dispatcher(names, nodeId, state, resync::schedule);
        this.mailboxes = new Mailboxes(redis, names, nodeId);
        this.subscriptionLosses = new SubscriptionLosses(redis, timer, options.commandTimeout().toMillis());
        liveness.reapWith(node -> mailboxes.reapNode(node, options.resumeWindow(), timer, registry));
    }

    /** Connects to Redis; fails at once if it cannot be reached. */
    public static RedisBus connect(RedisBusOptions options) {
        return new RedisBus(options);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public void start(BusListener listener) {
        dispatcher.start(listener);
        resync.start(listener, liveness::beat);
        redis.onMessage(dispatcher::dispatch);
        redis.onConnection(subscription -> {
            if (!subscription) {
                commandLinkUp.set(true);
            }
            if (!state.closed()) {
                resync.schedule();
            }
        }, subscription -> {
            if (state.closed()) {
                return;
            }
            state.connected(false); // until the resync: what others publish meanwhile does not arrive
            if (subscription) {
                subscriptionLosses.subscriptionDown();
            } else if (commandLinkUp.getAndSet(false)) {
                log.warn("lost Redis; serving this node's members only until it is back");
            }
        });
        subscriptionLosses.start();
        try {
            redis.subscribe(names.nodeChannel(nodeId)).toCompletableFuture().get(options.commandTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot subscribe to this node's channel", e);
        }
        clearPreviousIncarnation();
        liveness.start(timer, options.heartbeatInterval());
        log.info("node {} joined the Redis cluster at {}", nodeId, options.uri().replaceAll("//[^@/]*@", "//***@"));
    }

    /**
     * A process that ran under this node id before (killed, then restarted within the failure timeout) left
     * members that nobody would reap, since this process beats under the same id: remove them first.
     */
    private void clearPreviousIncarnation() {
        try {
            registry.removeNode(nodeId, LeaveReason.NODE_LOST).toCompletableFuture()
                    .get(options.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot clear what an earlier process with node id " + nodeId
                    + " registered", e);
        }
    }

    // ---- membership ----

    @Override
    public CompletionStage<Claim> claim(RoomKey room, MemberInfo member, JoinPolicy policy) {
        if (state.closed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("bus closed"));
        }
        return policy == JoinPolicy.RESUME ? mailboxes.resume(room, member) : registry.claim(room, member, policy);
    }

    @Override
    public CompletionStage<Long> release(RoomKey room, MemberInfo member, LeaveReason reason) {
        if (state.closed()) {
            // the node deregistered all its members when the bus closed
            return CompletableFuture.failedFuture(new IllegalStateException("bus closed"));
        }
        return registry.release(room, member, reason);
    }

    @Override
    public CompletionStage<List<MemberInfo>> members(RoomKey room) {
        if (state.closed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("bus closed"));
        }
        return registry.members(room);
    }

    @Override
    public CompletionStage<Void> follow(RoomKey room) {
        if (state.closed()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> roomChannel = redis.subscribe(names.roomChannel(room)).toCompletableFuture();
        if (!redis.sharded()) {
            return roomChannel;
        }
        return CompletableFuture.allOf(roomChannel,
                redis.subscribe(names.directChannel(room, nodeId, true)).toCompletableFuture());
    }

    @Override
    public void unfollow(RoomKey room) {
        if (state.closed()) {
            return;
        }
        redis.unsubscribe(names.roomChannel(room));
        if (redis.sharded()) {
            redis.unsubscribe(names.directChannel(room, nodeId, true));
        }
    }

    // ---- messages ----

    @Override
    public void publish(RoomKey room, Envelope envelope, String exceptId) {
        // Not gated on the heartbeat: one that timed out means Redis is slow, not gone, and what is published
        // meanwhile still arrives. While the link is down, Redis commands are refused at once (nothing is
        // queued) and cross-node traffic is lost; the local members were served already.
        if (state.closed()) {
            return;
        }
        redis.publish(names.roomChannel(room), BusMessages.broadcast(nodeId, exceptId, envelope.payload()));
    }

    @Override
    public CompletionStage<Boolean> send(RoomKey room, MemberInfo target, Envelope envelope) {
        if (state.closed()) { // as publish: not gated on the heartbeat
            return CompletableFuture.completedFuture(false);
        }
        // On one Redis a node channel is as ordered as the room's (one connection each way). On a Redis
        // Cluster the node channel lives on another shard than the room's, so a direct message could overtake
        // the sender's broadcast or join before it: there, it goes down the target node's own channel of the
        // room, on the room's shard. Either way only the target's node listens, so no receiver means that node
        // is gone (and the hub keeps the message for a resumable member: docs/design/resume.md).
        byte[] channel = names.directChannel(room, target.nodeId(), redis.sharded());
        return redis.publish(channel, BusMessages.direct(nodeId, room, target.id(), envelope.payload()))
                .thenApply(receivers -> receivers > 0)
                .exceptionally(e -> false);
    }

    @Override
    public CompletionStage<Boolean> fence(RoomKey room, MemberInfo at, String requester, long fenceId) {
        if (state.closed()) {
            return CompletableFuture.completedFuture(false);
        }
        // down the channel the sends to the member went, so it arrives after them
        byte[] channel = names.directChannel(room, at.nodeId(), redis.sharded());
        return redis.publish(channel, BusMessages.fence(nodeId, room, at.id(), requester, fenceId))
                .thenApply(receivers -> receivers > 0)
                .exceptionally(e -> false);
    }

    @Override
    public void fencePassed(RoomKey room, String requester, long fenceId) {
        if (!state.closed()) {
            redis.publish(names.directChannel(room, requester, redis.sharded()),
                    BusMessages.fencePassed(nodeId, room, fenceId));
        }
    }

    // ---- resume (docs/design/resume.md) ----

    @Override
    public CompletionStage<Void> park(RoomKey room, MemberInfo member, ResumeLimits limits) {
        if (state.closed()) {
            return CompletableFuture.completedFuture(null);
        }
        return mailboxes.park(room, member, limits);
    }

    @Override
    public CompletionStage<Mail> mail(RoomKey room, MemberInfo member, Envelope envelope, ResumeLimits limits,
                                      boolean orOpen) {
        if (state.closed()) {
            return CompletableFuture.completedFuture(Mail.GONE);
        }
        return mailboxes.mail(room, member, envelope, limits, orOpen);
    }

    @Override
    public void report(java.util.function.Supplier<String> summary) {
        liveness.summary(summary);
    }

    @Override
    public java.util.concurrent.CompletionStage<java.util.List<ClusterView.NodeSeen>> nodes() {
        return liveness.nodes().thenApply(flat -> {
            java.util.List<ClusterView.NodeSeen> out = new java.util.ArrayList<>();
            for (int i = 0; i + 2 < flat.size(); i += 3) {
                String summary = Registry.text(flat.get(i + 2));
                out.add(new ClusterView.NodeSeen(Registry.text(flat.get(i)), Long.parseLong(Registry.text(flat.get(i + 1))),
                        summary.isEmpty() ? null : summary));
            }
            out.sort(java.util.Comparator.comparing(ClusterView.NodeSeen::nodeId));
            return out;
        });
    }

    @Override
    public BusStatus status() {
        return new BusStatus("redis", state.connected(), state.nodes(), state.hopMillis(),
                subscriptionLosses.count());
    }

    // ---- shutdown ----

    /** Deregisters at once (others see this node's members leave), then disconnects. */
    @Override
    public void close() {
        if (!state.close()) {
            return;
        }
        liveness.stop();
        timer.shutdownNow();
        try {
            registry.removeNode(nodeId, LeaveReason.LEFT).toCompletableFuture()
                    .get(options.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            redis.del(names.nodeIndexKey(nodeId)).toCompletableFuture()
                    .get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            redis.zrem(names.nodesKey(), bytes(nodeId)).toCompletableFuture()
                    .get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("could not deregister from Redis on shutdown; peers will see this node's members leave "
                    + "after the failure timeout", e);
        }
        redis.close();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        if (beats != redis) {
            beats.close();
            beatResources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
