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
import java.util.List;

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

    protected GrpcPeer(StreamObserver<T> out, long maxQueuedBytes) {
        this.out = out;
        this.maxQueuedBytes = maxQueuedBytes;
        this.call = out instanceof ServerCallStreamObserver<T> c ? c : null;
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
