package dev.switchboard.grpc.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * A worker's resume secret (docs/protocols/grpc-client-worker.md#resume): the {@code switchboard-resume}
 * metadata of its call, carried to the stream in the call's {@link Context} under {@link #SECRET}. Calls without
 * it are untouched.
 */
public final class ResumeHeader implements ServerInterceptor {
    public static final Context.Key<String> SECRET = Context.key("switchboard-resume");
    static final Metadata.Key<String> HEADER = Metadata.Key.of("switchboard-resume", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String secret = headers.get(HEADER);
        if (secret == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(SECRET, secret), call, headers, next);
    }
}
