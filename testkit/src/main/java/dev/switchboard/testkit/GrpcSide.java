package dev.switchboard.testkit;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The receiving side of a gRPC stream in a test: what it received, and how it ended. */
public class GrpcSide<T> implements StreamObserver<T> {
    public final BlockingQueue<T> received = new LinkedBlockingQueue<>();
    public final CompletableFuture<Status> ended = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
        received.add(value);
    }

    @Override
    public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        ended.complete(Status.OK);
    }

    /** The next message, which must come within {@link WsClient#PATIENCE}. */
    public T next() throws InterruptedException {
        T v = received.poll(WsClient.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        if (v == null) {
            throw new AssertionError("no message within " + WsClient.PATIENCE.toSeconds() + " s");
        }
        return v;
    }

    /** How the stream ended, which must be within {@link WsClient#PATIENCE}. */
    public Status status() throws Exception {
        return ended.get(WsClient.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
