package dev.switchboard.core.bus;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.RoomKey;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The bus of a node that needs nothing but the JVM. Alone it is a single-node cluster; several instances
 * sharing one {@link InMemoryNetwork} behave as a cluster inside one process, with the same semantics as the
 * Redis bus (used to test the hub's cluster behaviour without Redis).
 */
public final class InMemoryBus implements Bus {
    private final InMemoryNetwork network;
    private final String nodeId;
    private volatile BusListener listener;

    public InMemoryBus(String nodeId) {
        this(new InMemoryNetwork(), nodeId);
    }

    public InMemoryBus(InMemoryNetwork network, String nodeId) {
        this.network = Objects.requireNonNull(network, "network");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public void start(BusListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        network.attach(this);
    }

    BusListener listener() {
        return listener;
    }

    @Override
    public CompletionStage<Claim> claim(RoomKey room, MemberInfo member, JoinPolicy policy) {
        return CompletableFuture.completedFuture(network.claim(room, member, policy));
    }

    @Override
    public CompletionStage<Long> release(RoomKey room, MemberInfo member, LeaveReason reason) {
        return CompletableFuture.completedFuture(network.release(room, member, reason));
    }

    @Override
    public CompletionStage<List<MemberInfo>> members(RoomKey room) {
        return CompletableFuture.completedFuture(network.members(room));
    }

    @Override
    public CompletionStage<Void> follow(RoomKey room) {
        network.follow(room, this);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void unfollow(RoomKey room) {
        network.unfollow(room, this);
    }

    @Override
    public void publish(RoomKey room, Envelope envelope, String exceptId) {
        network.publish(this, room, envelope, exceptId);
    }

    @Override
    public CompletionStage<Boolean> send(RoomKey room, MemberInfo target, Envelope envelope) {
        return CompletableFuture.completedFuture(network.send(room, target, envelope));
    }

    @Override
    public CompletionStage<Boolean> fence(RoomKey room, MemberInfo at, String requester, long fenceId) {
        return CompletableFuture.completedFuture(network.fence(room, at, requester, fenceId));
    }

    @Override
    public void fencePassed(RoomKey room, String requester, long fenceId) {
        network.fencePassed(room, requester, fenceId);
    }

    @Override
    public CompletionStage<Void> park(RoomKey room, MemberInfo member, ResumeLimits limits) {
        network.park(room, member, limits.window().toNanos());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Mail> mail(RoomKey room, MemberInfo member, Envelope envelope, ResumeLimits limits,
                                      boolean orOpen) {
        return CompletableFuture.completedFuture(network.mail(room, member, envelope, limits, orOpen));
    }

    @Override
    public BusStatus status() {
        return new BusStatus("memory", true, network.nodeCount(), 0, 0);
    }

    @Override
    public void close() {
        network.detach(this);
    }
}
