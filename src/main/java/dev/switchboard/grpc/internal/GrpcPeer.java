package dev.switchboard.grpc.internal;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.Outlet;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * One open gRPC stream, as a hub member. What the hub delivers is the serialized message for this side;
 * writes to the stream are serialized here because a StreamObserver is not thread-safe.
 */
public abstract class GrpcPeer<T> implements LocalMember, Endpoint {
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
    private final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long lastActivity = System.nanoTime();
    private boolean ended;

    protected GrpcPeer(StreamObserver<T> out) {
        this.out = out;
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

    public synchronized void send(T message) {
        if (!ended) {
            out.onNext(message);
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

    public long lastActivity() {
        return lastActivity;
    }
}
