package dev.switchboard.grpc.internal;

import dev.switchboard.auth.AuthMode;
import dev.switchboard.auth.Authenticator;
import dev.switchboard.auth.Identity;
import dev.switchboard.metrics.Metrics;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The node's token rule for gRPC calls (the auth option's {@code grpc} mode): the token comes in the
 * {@code authorization} metadata as {@code Bearer <token>}; a call without a valid one where one is required
 * ends at once with {@code UNAUTHENTICATED} and the reason. The verified identity travels in the call's
 * {@link Context} under {@link #IDENTITY}.
 */
public final class TokenCheck implements ServerInterceptor {
    public static final Context.Key<Identity> IDENTITY = Context.key("switchboard-identity");
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Authenticator auth;
    private final AuthMode mode;
    private final Metrics metrics;

    public TokenCheck(Authenticator auth, Metrics metrics) {
        this.auth = auth;
        this.mode = auth.mode(Streams.NAMESPACE);
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Authenticator.Outcome outcome = auth.check(mode, headers.get(AUTHORIZATION), null);
        if (outcome.refused()) {
            metrics.refusedUpgrade("token");
            call.close(Status.UNAUTHENTICATED.withDescription(outcome.refusal()), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        if (outcome.identity() == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(IDENTITY, outcome.identity()), call, headers, next);
    }
}
