package dev.switchboard.grpc.internal;

import dev.switchboard.metrics.Metrics;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.function.IntSupplier;

/**
 * Which gRPC streams a node takes (docs/design/limits.md#per-dialect-limits): none past {@code --grpc-max-streams}
 * open on the node ({@code RESOURCE_EXHAUSTED} at once, before the stream costs anything), and each stream
 * learns its connection (under {@link #CONNECTION}) so that workers can be counted per connection.
 */
public final class StreamAdmission implements ServerInterceptor {
    /** The TCP connection a call came on (its remote address and port). */
    public static final Context.Key<SocketAddress> CONNECTION = Context.key("switchboard-grpc-connection");

    private final IntSupplier open;
    private final int max;
    private final Metrics metrics;

    public StreamAdmission(IntSupplier openStreams, int maxStreams, Metrics metrics) {
        this.open = openStreams;
        this.max = maxStreams;
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (open.getAsInt() >= max) {
            metrics.dialect(Streams.NAMESPACE).refused("node_stream_limit");
            call.close(Status.RESOURCE_EXHAUSTED.withDescription("node at its stream limit (" + max + ")"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(CONNECTION, remote), call, headers, next);
    }
}
