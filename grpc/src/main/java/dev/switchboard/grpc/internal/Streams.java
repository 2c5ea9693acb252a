package dev.switchboard.grpc.internal;

import dev.switchboard.auth.Identity;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.core.RoomKey;
import dev.switchboard.dialect.ResumeSecret;
import dev.switchboard.grpc.proto.ClientRtcMessage;
import dev.switchboard.grpc.proto.ClientServiceGrpc;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.metrics.DialectMeters;
import dev.switchboard.metrics.Negotiations;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import dev.switchboard.limits.MessageBudget;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The two services of docs/protocols/grpc-client-worker.md on the core hub. Each worker has a room (its machine
 * id): the worker is its one exclusive member {@code worker}, cluster-wide; each client of it is a member under a
 * server-given id. Client to worker: a send to {@code worker}; worker to client: a send to the client's id; across
 * nodes through the bus like every dialect.
 */
public final class Streams {
    public static final String NAMESPACE = "grpc";
    static final String WORKER = "worker";
    /** How long a client's first message waits for the cluster to say whether its worker is connected. */
    private static final long WORKER_CHECK_SECONDS = 2;
    /** Messages a client may send before that answer; more is refused with RESOURCE_EXHAUSTED. */
    private static final int MAX_HELD = 64;

    private final Hub hub;
    private final DialectMeters meters;
    private final long maxQueuedBytes;
    private final boolean closeOnExpiry;
    private final Duration clockSkew;
    private final Set<GrpcPeer<?>> open = ConcurrentHashMap.newKeySet();

    private final MessageBudget budget;
    private final ScheduledExecutorService timer;
    private final int maxWorkersPerConnection;
    /** Workers registered per connection (its remote address), against maxWorkersPerConnection. */
    private final ConcurrentHashMap<java.net.SocketAddress, java.util.concurrent.atomic.AtomicInteger> workersOn =
            new ConcurrentHashMap<>();

    public Streams(Hub hub, DialectMeters meters, long maxQueuedBytes, boolean closeOnExpiry, Duration clockSkew,
                   MessageBudget budget, ScheduledExecutorService timer, int maxWorkersPerConnection) {
        this.budget = budget;
        this.maxWorkersPerConnection = maxWorkersPerConnection;
        this.timer = timer;
        this.closeOnExpiry = closeOnExpiry;
        this.clockSkew = clockSkew;
        this.hub = hub;
        this.maxQueuedBytes = maxQueuedBytes;
        this.meters = meters;
        hub.watchArrivals(NAMESPACE, this::arrived);
        hub.handle(NAMESPACE, new MembershipHandler() {
            @Override
            public void left(MemberInfo member, LeaveReason reason, LocalRoom room) {
                if (WORKER.equals(member.id())) {
                    // the worker is gone: every client of it here is told, and its stream ends
                    for (LocalMember m : room.members()) {
                        if (m instanceof ClientPeer c) {
                            c.fail(Status.UNAVAILABLE.withDescription("worker " + room.key().name() + " disconnected"));
                        }
                    }
                } else if (reason == LeaveReason.NODE_LOST) {
                    // a client of a dead node, whose BLANK nobody sent (ClientPeer#farewell): the worker's holder
                    // here hears of it, a parked one in its mailbox
                    for (LocalMember m : room.members()) {
                        if (WORKER.equals(m.id())) {
                            m.endpoint().outlet().deliver(blank(room.key(), member.id()), m.endpoint());
                        }
                    }
                }
            }
        });
    }

    /** Counts a negotiation step (docs/design/telemetry.md); the proto's event names it. */
    private void signaled(long workerId, String from, String to, RtcEvent event) {
        Negotiations.Signal step = step(event);
        if (step != null) {
            meters.negotiations().signal(Long.toString(workerId), from, to, step);
        }
    }

    private static Negotiations.Signal step(RtcEvent event) {
        return switch (event) {
            case OFFER -> Negotiations.Signal.OFFER;
            case ANSWER -> Negotiations.Signal.ANSWER;
            case ICE_CANDIDATE, LOCAL_ICE_CANDIDATE -> Negotiations.Signal.CANDIDATE;
            default -> null;
        };
    }

    /** A step from a client or worker on another node reached one here: the other side of its exchange. */
    private void arrived(RoomKey room, String targetId, Envelope envelope) {
        if (targetId == null) {
            return;
        }
        try {
            if (WORKER.equals(targetId)) {
                WorkerRtcMessage m = WorkerRtcMessage.parseFrom(envelope.payload());
                meters.negotiations().arrived(room.name(), m.getClientId(), WORKER, step(m.getEvent()));
            } else {
                ClientRtcMessage m = ClientRtcMessage.parseFrom(envelope.payload());
                meters.negotiations().arrived(room.name(), WORKER, targetId, step(m.getEvent()));
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // not a relayed message (a membership notice is not sent this way): nothing to count
        }
    }

    /** What tells a worker that one of its clients is gone: a message to it, so kept while it is away. */
    private static Envelope blank(RoomKey room, String clientId) {
        return Envelope.of(WorkerRtcMessage.newBuilder().setWorkerMachineId(Long.parseLong(room.name()))
                .setEvent(RtcEvent.BLANK).setClientId(clientId).build().toByteArray());
    }

    private static RoomKey room(long workerId) {
        return new RoomKey(NAMESPACE, Long.toString(workerId));
    }

    /** Ends every stream that has been silent longer than {@code idle}. */
    public void closeIdle(Duration idle) {
        long cutoff = System.nanoTime() - idle.toNanos();
        long now = System.currentTimeMillis();
        for (GrpcPeer<?> p : open) {
            if (p.lastActivity() < cutoff) {
                if (p instanceof StreamPeer<?> s) {
                    s.lost = true; // silent: a worker whose network dropped is kept for its resume
                }
                p.fail(Status.UNAVAILABLE.withDescription("stream idle for more than " + idle.toSeconds() + " s"));
            } else if (p.expiresAtMillis() < now) {
                p.fail(Status.UNAUTHENTICATED.withDescription("token expired"));
            }
        }
    }

    /** Registers a new stream; one whose call carried a token ends when the token expires (if so configured). */
    private void opened(GrpcPeer<?> peer) {
        Identity identity = TokenCheck.IDENTITY.get();
        if (identity != null) {
            peer.grants(identity.grants());
            if (closeOnExpiry) {
                peer.expiresAtMillis(identity.expiresAt().plus(clockSkew).toEpochMilli());
            }
        }
        open.add(peer);
        meters.opened();
    }

    /** Ends every stream, for a shutdown. */
    public void closeAll() {
        for (GrpcPeer<?> p : open) {
            p.fail(Status.UNAVAILABLE.withDescription("server shutting down"));
        }
    }

    private void uncount(java.net.SocketAddress connection) {
        workersOn.computeIfPresent(connection, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    public int openStreams() {
        return open.size();
    }

    // ---- workers ----

    /**
     * What worker and client streams share: the worker id they belong to (0 until their first message), how
     * they end, and their cleanup (leave the worker's room, unregister).
     */
    abstract class StreamPeer<T extends com.google.protobuf.MessageLite> extends GrpcPeer<T>
            implements StreamObserver<T> {
        long workerId;
        /** It ended without closing its side (reset, cancelled, or silent past the idle timeout). */
        volatile boolean lost;

        StreamPeer(StreamObserver<T> out) {
            super(out, maxQueuedBytes, budget, timer);
        }

        @Override
        public final void onNext(T m) {
            touch();
            int bytes = m.getSerializedSize();
            meters.received(bytes);
            handle(m);
            charge(bytes);
        }

        /** One message from the client, in order. */
        abstract void handle(T m);

        /** Gives back what the stream counted against its connection, once it ends. */
        void released() {
        }

        /** Just before it leaves its worker's room. */
        void leaving() {
        }

        @Override
        protected void throttled() {
            meters.refused("throttled");
        }

        @Override
        public void onError(Throwable t) {
            lost = true;
            gone();
        }

        @Override
        public void onCompleted() {
            complete();
        }

        @Override
        protected void cleanup() {
            open.remove(this);
            meters.closed();
            released();
            if (workerId != 0) {
                leaving();
                if (lost) {
                    hub.disconnected(room(workerId), this); // a worker with a resume secret is parked
                } else {
                    hub.leave(room(workerId), this);
                }
            }
        }
    }

    final class WorkerPeer extends StreamPeer<WorkerRtcMessage> {
        /**
         * Messages that came while the worker's registration is on its way to the cluster. Its events (a PING's
         * answer above all) wait for the registration, so that a worker told PING is findable by its clients on
         * every node.
         */
        private final HeldMessages<WorkerRtcMessage> held = new HeldMessages<>(MAX_HELD);

        /** From the call's switchboard-resume metadata; null for a worker that cannot resume (as before). */
        private final String resumeSecret = ResumeHeader.SECRET.get();
        private final java.util.Map<String, String> metadata = resumeSecret == null
                || !ResumeSecret.wellFormed(resumeSecret) ? java.util.Map.of()
                : java.util.Map.of(MemberInfo.RESUME, ResumeSecret.digest(resumeSecret));

        WorkerPeer(StreamObserver<WorkerRtcMessage> out) {
            super(out);
        }

        @Override
        public String id() {
            return WORKER;
        }

        @Override
        public java.util.Map<String, String> metadata() {
            return metadata;
        }

        @Override
        protected WorkerRtcMessage parse(byte[] bytes) throws Exception {
            return WorkerRtcMessage.parseFrom(bytes);
        }

        /**
         * Another node registered this worker id while this one was cut off from the cluster (theirs stands), or
         * the same worker resumed on another stream (this one went stale).
         */
        @Override
        public void evicted(RoomKey room, String reason) {
            if (LocalMember.RESUMED.equals(reason)) {
                fail(Status.ABORTED.withDescription("worker " + workerId + " resumed on another stream"));
            } else {
                fail(Status.ALREADY_EXISTS.withDescription("worker " + workerId + " id taken by another node"));
            }
        }

        /** The connection the stream came on; set while the worker counts against it. */
        private volatile java.net.SocketAddress countedOn;
        private final java.net.SocketAddress connection = StreamAdmission.CONNECTION.get();

        /** Counts this worker against its connection; false (and not counted) when the connection has its fill. */
        private boolean countOnConnection() {
            if (connection == null) {
                return true;
            }
            var n = workersOn.computeIfAbsent(connection, c -> new java.util.concurrent.atomic.AtomicInteger());
            if (n.incrementAndGet() > maxWorkersPerConnection) {
                uncount(connection);
                return false;
            }
            countedOn = connection;
            if (ended()) { // its cleanup ran meanwhile (an idle or shutdown end from another thread)
                released();
            }
            return true;
        }

        @Override
        void released() {
            java.net.SocketAddress c = countedOn;
            countedOn = null;
            if (c != null) {
                uncount(c);
            }
        }

        @Override
        void handle(WorkerRtcMessage m) {
            switch (held.offer(m, ended())) {
                case HELD -> {
                    return;
                }
                case FULL -> {
                    fail(Status.RESOURCE_EXHAUSTED.withDescription("more than " + MAX_HELD
                            + " messages before the worker was registered"));
                    return;
                }
                case NOT_HOLDING -> {
                }
            }
            if (workerId == 0) {
                if (m.getWorkerMachineId() == 0) {
                    fail(Status.INVALID_ARGUMENT.withDescription("the first message must carry worker_machine_id"));
                    return;
                }
                if (!grants().worker(m.getWorkerMachineId())) {
                    fail(Status.PERMISSION_DENIED.withDescription("worker " + m.getWorkerMachineId() + " not granted"));
                    return;
                }
                if (resumeSecret != null && metadata.isEmpty()) {
                    fail(Status.INVALID_ARGUMENT.withDescription("switchboard-resume must be 22 to 128 characters "
                            + "of A-Z a-z 0-9 _ -"));
                    return;
                }
                if (!countOnConnection()) {
                    meters.refused("workers_per_connection");
                    fail(Status.RESOURCE_EXHAUSTED.withDescription("more than " + maxWorkersPerConnection
                            + " workers on one connection"));
                    return;
                }
                workerId = m.getWorkerMachineId();
                held.start(m);
                // with a secret: granted if the id is free or held with the same secret (a resume, parked or stale)
                JoinPolicy policy = metadata.isEmpty() ? JoinPolicy.EXCLUSIVE : JoinPolicy.RESUME;
                hub.join(room(workerId), this, policy).whenComplete((result, error) -> {
                    if (error != null) {
                        fail(Status.UNAVAILABLE.withDescription("cluster unavailable"));
                    } else if (!result.joined()) {
                        fail(Status.ALREADY_EXISTS.withDescription("worker " + workerId + " is already connected"));
                    } else if (ended()) {
                        hub.leave(room(workerId), this);
                    } else {
                        // what was held, in order, before new messages come through
                        held.drain(h -> {
                            if (ended()) {
                                return false;
                            }
                            event(h);
                            return true;
                        });
                    }
                });
                return;
            }
            event(m);
        }

        private void event(WorkerRtcMessage m) {
            if (m.getWorkerMachineId() != 0 && m.getWorkerMachineId() != workerId) {
                fail(Status.INVALID_ARGUMENT.withDescription("worker_machine_id changed on the stream"));
                return;
            }
            switch (m.getEvent()) {
                case PING -> send(WorkerRtcMessage.newBuilder().setWorkerMachineId(workerId).setEvent(RtcEvent.PING).build());
                case BLANK -> {
                    // registration or keepalive: nothing to relay
                }
                default -> {
                    if (m.getClientId().isEmpty()) {
                        fail(Status.INVALID_ARGUMENT.withDescription("a worker's message must name its client_id"));
                        return;
                    }
                    signaled(workerId, WORKER, m.getClientId(), m.getEvent());
                    ClientRtcMessage toClient = ClientRtcMessage.newBuilder().setWorkerMachineId(workerId)
                            .setEvent(m.getEvent()).setMessage(m.getMessage()).setClientId(m.getClientId()).build();
                    // a client that is gone is simply not reached; the worker already had its BLANK for it
                    hub.send(room(workerId), m.getClientId(), Envelope.of(toClient.toByteArray()));
                    meters.sent(toClient.getSerializedSize());
                }
            }
        }
    }

    public final class WorkerService extends WorkerServiceGrpc.WorkerServiceImplBase {
        @Override
        public StreamObserver<WorkerRtcMessage> negotiatePeerConnection(StreamObserver<WorkerRtcMessage> out) {
            WorkerPeer peer = new WorkerPeer(out);
            opened(peer);
            return peer;
        }
    }

    // ---- clients ----

    final class ClientPeer extends StreamPeer<ClientRtcMessage> {
        private final String clientId = UUID.randomUUID().toString();
        /** Messages that came while the cluster is asked whether the worker is connected. */
        private final HeldMessages<ClientRtcMessage> held = new HeldMessages<>(MAX_HELD);
        /** Its worker is to hear of its end: it was admitted to the worker's room, and its BLANK is not sent yet. */
        private final java.util.concurrent.atomic.AtomicBoolean owesBlank = new java.util.concurrent.atomic.AtomicBoolean();

        ClientPeer(StreamObserver<ClientRtcMessage> out) {
            super(out);
        }

        @Override
        public String id() {
            return clientId;
        }

        @Override
        protected ClientRtcMessage parse(byte[] bytes) throws Exception {
            return ClientRtcMessage.parseFrom(bytes);
        }

        @Override
        void handle(ClientRtcMessage m) {
            switch (held.offer(m, ended())) { // held while the worker check is in flight
                case HELD -> {
                    return;
                }
                case FULL -> {
                    fail(Status.RESOURCE_EXHAUSTED.withDescription("more than " + MAX_HELD
                            + " messages before the worker was found"));
                    return;
                }
                case NOT_HOLDING -> {
                }
            }
            if (workerId == 0) {
                if (m.getWorkerMachineId() == 0) {
                    fail(Status.INVALID_ARGUMENT.withDescription("the first message must name worker_machine_id"));
                    return;
                }
                if (!grants().reach(m.getWorkerMachineId())) {
                    fail(Status.PERMISSION_DENIED.withDescription("worker " + m.getWorkerMachineId() + " not granted"));
                    return;
                }
                workerId = m.getWorkerMachineId();
                if (hub.member(room(workerId), WORKER).isEmpty()) {
                    // the worker may be on another node: ask the cluster without blocking this gRPC thread, and
                    // hold what the client sends meanwhile
                    held.start(m);
                    checkRemoteWorker();
                    return;
                }
                join();
            } else if (!sameWorker(m)) {
                return;
            }
            relay(m);
        }

        private boolean sameWorker(ClientRtcMessage m) {
            if (m.getWorkerMachineId() != 0 && m.getWorkerMachineId() != workerId) {
                fail(Status.INVALID_ARGUMENT.withDescription("worker_machine_id changed on the stream"));
                return false;
            }
            return true;
        }

        /**
         * Asks the cluster whether the worker is a member of its room; if it is, joins and relays what was held,
         * in order, before letting new messages through.
         */
        private void checkRemoteWorker() {
            hub.members(room(workerId)).toCompletableFuture()
                    .orTimeout(WORKER_CHECK_SECONDS, TimeUnit.SECONDS)
                    .whenComplete((members, error) -> {
                        if (ended()) {
                            return;
                        }
                        if (error != null) {
                            fail(Status.UNAVAILABLE.withDescription("cluster unavailable"));
                            return; // held stays, so whatever else comes is dropped
                        }
                        if (members.stream().noneMatch(x -> WORKER.equals(x.id()))) {
                            fail(Status.NOT_FOUND.withDescription("worker " + workerId + " is not connected"));
                            return;
                        }
                        join();
                        held.drain(m -> {
                            if (!sameWorker(m)) {
                                return false;
                            }
                            relay(m);
                            return true;
                        });
                    });
        }

        private void join() {
            RoomKey room = room(workerId);
            hub.join(room, this, JoinPolicy.SHARED).whenComplete((joined, error) -> {
                if (error == null && joined.joined()) {
                    owesBlank.set(true);
                }
                if (ended()) {
                    farewell(); // its cleanup may have come before the join
                    hub.leave(room, this);
                } else if (error != null || joined.others().stream().noneMatch(x -> WORKER.equals(x.id()))) {
                    // the worker left between the check and the join: the join's list (the members before
                    // this client) lacks it, and its leave, which came before, is not told to this client
                    fail(Status.NOT_FOUND.withDescription("worker " + workerId + " is not connected"));
                }
            });
        }

        @Override
        void leaving() {
            farewell();
        }

        /**
         * Tells the worker this client is gone, once: as a message from here, after what the client sent, so that
         * a worker that is away gets it kept like them (docs/design/resume.md); a client of a dead node is
         * announced by the worker's node instead, on its leave.
         */
        private void farewell() {
            if (owesBlank.compareAndSet(true, false)) {
                hub.send(room(workerId), WORKER, blank(room(workerId), clientId));
            }
        }

        private void relay(ClientRtcMessage m) {
            switch (m.getEvent()) {
                case PING -> send(ClientRtcMessage.newBuilder().setWorkerMachineId(workerId).setEvent(RtcEvent.PING)
                        .setClientId(clientId).build());
                case BLANK -> {
                    // keepalive
                }
                default -> {
                    signaled(workerId, clientId, WORKER, m.getEvent());
                    WorkerRtcMessage toWorker = WorkerRtcMessage.newBuilder().setWorkerMachineId(workerId)
                            .setEvent(m.getEvent()).setMessage(m.getMessage()).setClientId(clientId).build();
                    hub.send(room(workerId), WORKER, Envelope.of(toWorker.toByteArray())).whenComplete((ok, e) -> {
                        if (e != null || !ok) {
                            fail(Status.NOT_FOUND.withDescription("worker " + workerId + " is not connected"));
                        }
                    });
                    meters.sent(toWorker.getSerializedSize());
                }
            }
        }

    }

    public final class ClientService extends ClientServiceGrpc.ClientServiceImplBase {
        @Override
        public StreamObserver<ClientRtcMessage> negotiatePeerConnection(StreamObserver<ClientRtcMessage> out) {
            ClientPeer peer = new ClientPeer(out);
            opened(peer);
            return peer;
        }
    }
}
