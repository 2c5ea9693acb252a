package dev.switchboard.grpc.internal;

import dev.switchboard.auth.Grants;
import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.Outlet;
import com.google.protobuf.MessageLite;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import dev.switchboard.limits.MessageBudget;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One open gRPC stream, as a hub member. What the hub delivers is the serialized message for this side;
 * writes to the stream are serialized here because a StreamObserver is not thread-safe.
 */
public abstract class GrpcPeer<T extends MessageLite> implements LocalMember, Endpoint {
    /** Shared by all gRPC peers: each delivery parses the shared bytes into the receiver's message type. */
    public static final Outlet OUTLET = new Outlet() {
        @Override
        public void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
            for (Endpoint e : receivers) {
                ((GrpcPeer<?>) e).deliverBytes(envelope.payload());
            }
        }
    };

    private final StreamObserver<T> out;
    /** Bytes that may wait for a stream whose client does not read before the stream is ended. */
    private final long maxQueuedBytes;
    /** The flow-control view of {@link #out}, when the transport gives one (it does on a server). */
    private final ServerCallStreamObserver<T> call;
    /** Bytes sent while the transport said the stream was not ready: what a slow reader makes us hold. */
    private long queuedSinceReady;
    private final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long lastActivity = System.nanoTime();
    /** What the stream's token grants (docs/design/auth.md#grants); everything without one. */
    private volatile Grants grants = Grants.ALL;
    /** When the stream's token expires (epoch millis); never without one. */
    private volatile long expiresAtMillis = Long.MAX_VALUE;
    private boolean ended;
    /** What the client may send (docs/design/limits.md#message-budgets), and where its throttle waits. */
    private final MessageBudget budget;
    private final ScheduledExecutorService timer;
    /** The budget's state; when this stream was first throttled in a row of throttles (0: calm). */
    private long budgetState;
    private long throttledSince;

    protected GrpcPeer(StreamObserver<T> out, long maxQueuedBytes, MessageBudget budget,
                       ScheduledExecutorService timer) {
        this.out = out;
        this.maxQueuedBytes = maxQueuedBytes;
        this.call = out instanceof ServerCallStreamObserver<T> c ? c : null;
        this.budget = call == null ? MessageBudget.UNLIMITED : budget;
        this.timer = timer;
        if (this.budget.enabled()) {
            // the stream asks for each next message itself, so a sender over its budget waits in its own
            // flow-control window (HTTP/2 pushes back) instead of in our memory
            call.disableAutoRequest();
            call.request(1);
        }
        if (call != null) {
            call.setOnReadyHandler(() -> {
                synchronized (this) {
                    queuedSinceReady = 0;
                }
            });
        }
    }

    @Override
    public Endpoint endpoint() {
        return this;
    }

    @Override
    public Outlet outlet() {
        return OUTLET;
    }

    protected abstract T parse(byte[] bytes) throws Exception;

    void deliverBytes(byte[] bytes) {
        try {
            send(parse(bytes));
        } catch (Exception e) {
            fail(Status.INTERNAL.withDescription("undeliverable message"));
        }
    }

    public void send(T message) {
        boolean slow = false;
        synchronized (this) {
            if (ended) {
                return;
            }
            if (call != null && !call.isReady()) {
                queuedSinceReady += message.getSerializedSize();
                slow = queuedSinceReady > maxQueuedBytes;
            }
            if (!slow) {
                out.onNext(message);
            }
        }
        if (slow) {
            // the same rule as a WebSocket's outbound cap: a client that does not read cannot grow our memory
            fail(Status.RESOURCE_EXHAUSTED.withDescription("slow consumer: more than " + maxQueuedBytes
                    + " bytes waiting"));
        }
    }

    /**
     * Charges a message the client sent to the stream's budget and asks for the next: at once within the
     * budget, later over it (the stream is throttled); a stream still over it after the throttle limit ends
     * with RESOURCE_EXHAUSTED. On the call's executor, one message at a time.
     */
    protected void charge(int bytes) {
        if (!budget.enabled() || ended()) {
            return;
        }
        long now = System.nanoTime();
        budgetState = budget.charge(budgetState, now, bytes);
        long over = budget.overBy(budgetState, now);
        throttledSince = budget.throttledSince(throttledSince, budgetState, now, over);
        if (over == 0) {
            call.request(1);
            return;
        }
        if (budget.exhausted(throttledSince, now)) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("message rate exceeded"));
            return;
        }
        throttled();
        timer.schedule(() -> {
            if (!ended()) {
                call.request(1);
            }
        }, over, TimeUnit.NANOSECONDS);
    }

    /** The stream was throttled once: for its metrics. */
    protected abstract void throttled();

    /** Ends the stream with an error status; later sends are dropped. */
    public void fail(Status status) {
        synchronized (this) {
            if (!ended) {
                ended = true;
                out.onError(status.asRuntimeException());
            }
        }
        finish();
    }

    /** Ends the stream normally (the peer closed its side). */
    public void complete() {
        synchronized (this) {
            if (!ended) {
                ended = true;
                out.onCompleted();
            }
        }
        finish();
    }

    /** The peer went away (cancelled, reset): nothing more can be sent. */
    public void gone() {
        synchronized (this) {
            ended = true;
        }
        finish();
    }

    /** Leaves the hub and the registry once, however the stream ended. */
    protected abstract void cleanup();

    private void finish() {
        if (finished.compareAndSet(false, true)) {
            cleanup();
        }
    }

    public synchronized boolean ended() {
        return ended;
    }

    public void touch() {
        lastActivity = System.nanoTime();
    }

    public Grants grants() {
        return grants;
    }

    public void grants(Grants grants) {
        this.grants = grants;
    }

    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    public void expiresAtMillis(long at) {
        expiresAtMillis = at;
    }

    public long lastActivity() {
        return lastActivity;
    }
}
