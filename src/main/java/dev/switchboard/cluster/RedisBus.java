package dev.switchboard.cluster;

import static dev.switchboard.cluster.internal.BusMessages.bytes;

import dev.switchboard.cluster.internal.BusMessages;
import dev.switchboard.cluster.internal.ClusterLink;
import dev.switchboard.cluster.internal.RedisLink;
import dev.switchboard.cluster.internal.StandaloneLink;
import dev.switchboard.cluster.internal.Scripts;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.BusListener;
import dev.switchboard.core.bus.BusStatus;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster bus over one Redis (Lettuce): membership in a hash per room, changed only by Lua scripts so each
 * change is atomic and announced on the room's channel; room traffic on the room channel, which only nodes
 * holding members of the room subscribe to; direct messages and evictions on each node's own channel; node
 * liveness as heartbeats in a sorted set, scored with Redis's clock.
 *
 * <p>Order: every publish of this node goes over one connection, and every node receives over one
 * subscription, so what one node sends reaches each other node in the order sent. Failures: commands fail
 * fast while Redis is unreachable (nothing is buffered); when Redis is back the hub re-registers its members
 * and reconciles ({@link BusListener#reconnected()}). A node whose heartbeats stop for the failure timeout is
 * reaped by exactly one survivor, which removes its members and announces their departure.
 */
public final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
    /** Pause before, and between, the two looks for registrations of members that left during an outage. */
    private static final long STALE_CHECK_MILLIS = 500;
    /** How long an empty room keeps its membership sequence: far longer than any claim is in flight. */
    private static final byte[] SEQUENCE_IDLE_MILLIS = bytes(Long.toString(TimeUnit.MINUTES.toMillis(10)));

    private final RedisBusOptions options;
    private final String nodeId;
    private final BusMessages names;
    private final ClientResources resources;
    private final RedisLink redis;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean resyncScheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile BusListener listener;
    private volatile boolean connected = true;
    private volatile int nodes = 1;
    private volatile double hopMillis;
    /** Whether a heartbeat has listed this node: a later beat that finds it unlisted means it was dropped. */
    private volatile boolean listed;
    private ScheduledFuture<?> heartbeat;

    private RedisBus(RedisBusOptions options) {
        this.options = options;
        this.nodeId = options.nodeId();
        this.names = new BusMessages(options.keyPrefix());
        // Lettuce's default backoff grows to 30 s; a node must be back within the 5 s recovery bound
        // however long Redis was away, so retry at least every second
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        try {
            this.redis = options.cluster()
                    ? new ClusterLink(resources, options.uri(), options.commandTimeout())
                    : new StandaloneLink(resources, options.uri(), options.commandTimeout());
        } catch (RuntimeException e) {
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-bus-" + nodeId);
            t.setDaemon(true);
            return t;
        });
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
        this.listener = listener;
        redis.onMessage(this::dispatch);
        redis.onConnection(() -> {
            if (!closed.get()) {
                scheduleResync();
            }
        }, () -> {
            if (!closed.get() && connected) {
                connected = false;
                log.warn("lost Redis; serving this node's members only until it is back");
            }
        });
        try {
            redis.subscribe(names.nodeChannel(nodeId)).toCompletableFuture().get(options.commandTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot subscribe to this node's channel", e);
        }
        clearPreviousIncarnation();
        beat();
        long ms = options.heartbeatInterval().toMillis();
        heartbeat = timer.scheduleAtFixedRate(this::tick, ms, ms, TimeUnit.MILLISECONDS);
        log.info("node {} joined the Redis cluster at {}", nodeId, options.uri().replaceAll("//[^@/]*@", "//***@"));
    }

    /**
     * A process that ran under this node id before (killed, then restarted within the failure timeout) left
     * members that nobody would reap, since this process beats under the same id: remove them first.
     */
    private void clearPreviousIncarnation() {
        try {
            removeNode(nodeId, LeaveReason.NODE_LOST).toCompletableFuture()
                    .get(options.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot clear what an earlier process with node id " + nodeId
                    + " registered", e);
        }
    }

    // ---- membership ----

    @Override
    public CompletionStage<Claim> claim(RoomKey room, MemberInfo member, JoinPolicy policy) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("bus closed"));
        }
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
            if (!previous.isEmpty() && policy == JoinPolicy.TAKEOVER) {
                MemberInfo holder = BusMessages.member(member.id(), previous);
                if (!holder.nodeId().equals(nodeId)) {
                    redis.publish(names.nodeChannel(holder.nodeId()), BusMessages.evict(nodeId, room, member.id()));
                }
            }
            List<MemberInfo> others = new ArrayList<>();
            for (Map.Entry<Long, MemberInfo> e : decodeMembers(pairs((List<?>) reply.get(2)))) {
                if (!e.getValue().id().equals(member.id())) {
                    others.add(e.getValue());
                }
            }
            MemberInfo replaced = !previous.isEmpty() && policy == JoinPolicy.TAKEOVER
                    ? BusMessages.member(member.id(), previous) : null;
            return Claim.granted((Long) reply.get(3), others, replaced);
        });
    }

    @Override
    public CompletionStage<Long> release(RoomKey room, MemberInfo member, LeaveReason reason) {
        if (closed.get()) {
            // the node deregistered all its members when the bus closed
            return CompletableFuture.failedFuture(new IllegalStateException("bus closed"));
        }
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

    @Override
    public CompletionStage<List<MemberInfo>> members(RoomKey room) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("bus closed"));
        }
        // Read over the subscription connection: the reply is then ordered with the room's events.
        return redis.members(names.membersKey(room)).thenApply(map -> {
            List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>(map.entrySet());
            List<MemberInfo> out = new ArrayList<>(entries.size());
            for (Map.Entry<Long, MemberInfo> e : decodeMembers(entries)) {
                out.add(e.getValue());
            }
            return out;
        });
    }

    @Override
    public CompletionStage<Void> follow(RoomKey room) {
        if (closed.get()) {
            return CompletableFuture.completedFuture(null);
        }
        return redis.subscribe(names.roomChannel(room));
    }

    @Override
    public void unfollow(RoomKey room) {
        if (closed.get()) {
            return;
        }
        redis.unsubscribe(names.roomChannel(room));
    }

    // ---- messages ----

    @Override
    public void publish(RoomKey room, Envelope envelope, String exceptId) {
        if (!connected || closed.get()) {
            return; // cross-node traffic is lost while Redis is away; the local members were served already
        }
        redis.publish(names.roomChannel(room), BusMessages.broadcast(nodeId, exceptId, envelope.payload()));
    }

    @Override
    public CompletionStage<Boolean> send(RoomKey room, MemberInfo target, Envelope envelope) {
        if (!connected || closed.get()) {
            return CompletableFuture.completedFuture(false);
        }
        // On one Redis a node channel is as ordered as the room's (one connection each way). On a Redis
        // Cluster the node channel lives on another shard than the room's, so a direct message could overtake
        // the sender's broadcast or join before it: there, it goes down the room's channel, and the nodes
        // following the room keep what is for them. (Handed over then means: to the nodes holding the room.)
        byte[] channel = redis.sharded() ? names.roomChannel(room) : names.nodeChannel(target.nodeId());
        return redis.publish(channel, BusMessages.direct(nodeId, room, target.id(), envelope.payload()))
                .thenApply(receivers -> receivers > 0)
                .exceptionally(e -> false);
    }

    @Override
    public BusStatus status() {
        return new BusStatus("redis", connected, nodes, hopMillis);
    }

    private void dispatch(byte[] channel, byte[] message) {
        BusListener l = listener;
        try {
            BusMessages.Message m = BusMessages.parse(message);
            switch (m.kind()) {
                case 'M' -> {
                    if (!m.origin().equals(nodeId)) {
                        l.message(names.roomOfChannel(channel), null, m.exceptId(), Envelope.remote(m.payload()));
                    }
                }
                case 'D' -> l.message(m.room(), m.memberId(), null, Envelope.remote(m.payload()));
                case 'J' -> l.joined(names.roomOfChannel(channel), BusMessages.member(m.memberId(), m.value()), m.seq());
                case 'L' -> {
                    MemberInfo member = BusMessages.member(m.memberId(), m.value());
                    boolean ours = member.nodeId().equals(nodeId);
                    if (ours && m.origin().equals(nodeId)) {
                        return; // this node's own change to its own member: the hub applied it from the answer
                    }
                    if (m.reason() == LeaveReason.NODE_LOST && ours) {
                        // another node took this one for dead (a long pause, a cut-off) and is removing its
                        // members: register again what is still here, once the removal is done
                        log.warn("the cluster took this node for dead; re-registering its members");
                        scheduleResync();
                    }
                    l.left(names.roomOfChannel(channel), member, m.reason(), m.seq());
                }
                case 'E' -> l.evicted(m.room(), new MemberInfo(m.memberId(), nodeId, Map.of()));
                case 'P' -> hopMillis = (System.nanoTime() - Long.parseLong(m.memberId())) / 1e6;
                default -> log.warn("ignoring unknown bus message kind {}", m.kind());
            }
        } catch (RuntimeException e) {
            log.error("failed to handle a bus message on {}", new String(channel, StandardCharsets.UTF_8), e);
        }
    }

    // ---- liveness ----

    private void tick() {
        if (closed.get()) {
            return;
        }
        beat();
        // A probe through Redis and back measures the hop every cross-node message takes.
        redis.publish(names.nodeChannel(nodeId), BusMessages.probe(nodeId, System.nanoTime()));
        redis.eval(Scripts.REAP, ScriptOutputType.MULTI, new byte[][] {names.nodesKey(), names.reapingKey()},
                        bytes(Long.toString(options.failureTimeout().toMillis())), bytes(Long.toString(reapLeaseMillis())))
                .thenAccept(dead -> {
                    for (Object d : (List<?>) dead) {
                        String node = text(d);
                        if (!node.equals(nodeId)) { // this node beat just now: if it was listed, it is back
                            log.warn("node {} stopped beating; removing its members", node);
                            removeNode(node, LeaveReason.NODE_LOST)
                                    .thenCompose(done -> redis.zrem(names.reapingKey(), bytes(node)));
                        }
                    }
                });
    }

    private void beat() {
        redis.<List<Object>>eval(Scripts.HEARTBEAT, ScriptOutputType.MULTI, new byte[][] {names.nodesKey()},
                        bytes(nodeId), bytes(Long.toString(options.failureTimeout().toMillis())))
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        boolean unlisted = ((Long) reply.get(0)) == 1L;
                        nodes = ((Long) reply.get(1)).intValue();
                        if (unlisted && listed) {
                            // dropped from the cluster (taken for dead, or Redis lost its data): register again
                            log.warn("this node was no longer listed in the cluster; re-registering its members");
                        }
                        if (!connected || (unlisted && listed)) {
                            scheduleResync();
                        }
                        listed = true;
                    } else {
                        connected = false;
                    }
                });
    }

    /**
     * Removes every membership a node's index lists, announcing each with {@code reason}, and then those index
     * entries (only those: a node that came back may be adding new ones meanwhile).
     */
    private CompletionStage<Void> removeNode(String node, LeaveReason reason) {
        byte[] index = names.nodeIndexKey(node);
        return redis.smembers(index).thenCompose(entries -> {
            List<CompletableFuture<Long>> removals = new ArrayList<>();
            for (byte[] entry : entries) {
                removals.add(releaseIndexed(node, entry, reason).toCompletableFuture());
            }
            return CompletableFuture.allOf(removals.toArray(new CompletableFuture[0]));
        });
    }

    /** Releases the registration one index entry of {@code node} names, then the entry itself. */
    private CompletionStage<Long> releaseIndexed(String node, byte[] entry, LeaveReason reason) {
        String[] parts = BusMessages.parseIndexEntry(entry);
        return releaseOwned(BusMessages.room(parts[1]), parts[0], node, reason)
                .thenCompose(seq -> redis.srem(names.nodeIndexKey(node), entry));
    }

    /** Whether this node still holds the member one of its index entries names. */
    private boolean holds(byte[] entry) {
        String[] parts = BusMessages.parseIndexEntry(entry);
        return listener.holds(BusMessages.room(parts[1]), parts[0]);
    }

    /** How long a reaper may take before another survivor takes its dead node over. */
    private long reapLeaseMillis() {
        return Math.max(5_000, options.commandTimeout().toMillis() * 4);
    }

    private void scheduleResync() {
        if (resyncScheduled.compareAndSet(false, true)) {
            // Coalesce the events of both connections coming back; give them a moment to settle.
            timer.schedule(this::resync, 200, TimeUnit.MILLISECONDS);
        }
    }

    private void resync() {
        resyncScheduled.set(false);
        if (closed.get()) {
            return;
        }
        boolean wasConnected = connected;
        connected = true;
        beat();
        redis.subscribe(names.nodeChannel(nodeId));
        if (!wasConnected) {
            log.info("Redis is back; re-registering this node's members");
        }
        listener.reconnected();
        timer.schedule(this::withdrawDeparted, STALE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Members that left while Redis was away could not be released; a Redis that kept its data (a blip, a
     * failover, persistence) still lists them. Withdraws the registrations this node's index lists for members
     * it does not hold, checking twice apart so that a join between its claim and its arrival is not mistaken
     * for a departure.
     */
    private void withdrawDeparted() {
        if (closed.get()) {
            return;
        }
        redis.smembers(names.nodeIndexKey(nodeId)).thenAccept(entries -> {
            List<byte[]> absent = new ArrayList<>();
            for (byte[] entry : entries) {
                if (!holds(entry)) {
                    absent.add(entry);
                }
            }
            if (absent.isEmpty() || closed.get()) {
                return;
            }
            timer.schedule(() -> {
                for (byte[] entry : absent) {
                    if (!closed.get() && !holds(entry)) {
                        releaseIndexed(nodeId, entry, LeaveReason.LEFT);
                    }
                }
            }, STALE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    // ---- shutdown ----

    /** Deregisters at once (others see this node's members leave), then disconnects. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        timer.shutdownNow();
        try {
            removeNode(nodeId, LeaveReason.LEFT).toCompletableFuture().get(options.commandTimeout().toMillis() * 2,
                    TimeUnit.MILLISECONDS);
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
    }

    // ---- decoding helpers ----

    private static List<Map.Entry<byte[], byte[]>> pairs(List<?> flat) {
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.add(Map.entry((byte[]) flat.get(i), (byte[]) flat.get(i + 1)));
        }
        return out;
    }

    /** Members sorted by join order (the sequence number of their value). */
    private static List<Map.Entry<Long, MemberInfo>> decodeMembers(List<Map.Entry<byte[], byte[]>> entries) {
        List<Map.Entry<Long, MemberInfo>> out = new ArrayList<>(entries.size());
        for (Map.Entry<byte[], byte[]> e : entries) {
            String value = new String(e.getValue(), StandardCharsets.UTF_8);
            out.add(Map.entry(BusMessages.sequence(value),
                    BusMessages.member(new String(e.getKey(), StandardCharsets.UTF_8), value)));
        }
        out.sort(Comparator.comparing(Map.Entry::getKey));
        return out;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
