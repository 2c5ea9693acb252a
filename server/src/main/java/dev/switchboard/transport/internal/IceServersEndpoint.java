package dev.switchboard.transport.internal;

import dev.switchboard.auth.AuthModes;
import dev.switchboard.auth.Authenticator;
import dev.switchboard.ice.IceServers;
import dev.switchboard.metrics.Metrics;
import dev.switchboard.transport.HttpResponder;
import dev.switchboard.transport.OriginPolicy;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /ice-servers} (docs/design/auth.md#ice-servers): the STUN and TURN servers, with TURN credentials
 * that expire, for a client the token rules admit — under auth, the strictest mode of any dialect decides. A
 * browser page of an allowed origin may fetch it across origins (CORS, preflight included). Stateless: one per
 * server.
 */
final class IceServersEndpoint {
    static final String PATH = "/ice-servers";
    private static final String[] EVERY_DIALECT = AuthModes.DIALECTS.toArray(String[]::new);

    private final IceServers ice;
    private final Authenticator auth;
    private final OriginPolicy origins;
    private final Metrics metrics;

    IceServersEndpoint(IceServers ice, Authenticator auth, OriginPolicy origins, Metrics metrics) {
        this.ice = ice;
        this.auth = auth;
        this.origins = origins;
        this.metrics = metrics;
    }

    /** Whether this request is for the endpoint: only when ICE servers are configured (else the path is "okay"). */
    boolean handles(FullHttpRequest request, String path) {
        return !ice.isEmpty() && path.equals(PATH)
                && (request.method() == HttpMethod.GET || request.method() == HttpMethod.OPTIONS);
    }

    FullHttpResponse answer(FullHttpRequest request) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !origins.allows(origin)) {
            metrics.refusedUpgrade("origin");
            return response(request, HttpResponseStatus.FORBIDDEN, "text/plain; charset=utf-8", "origin not allowed", null);
        }
        if (request.method() == HttpMethod.OPTIONS) {
            FullHttpResponse preflight = response(request, HttpResponseStatus.NO_CONTENT, null, "", origin);
            preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET");
            preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization");
            preflight.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
            return preflight;
        }
        Authenticator.Outcome outcome = auth.check(auth.mode(EVERY_DIALECT),
                request.headers().get(HttpHeaderNames.AUTHORIZATION),
                RequestTarget.parse(request.uri()).param("token"));
        if (outcome.refused()) {
            metrics.refusedUpgrade("token");
            FullHttpResponse refused = response(request, HttpResponseStatus.UNAUTHORIZED, "text/plain; charset=utf-8",
                    outcome.refusal(), origin);
            refused.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            return refused;
        }
        String user = outcome.identity() == null || outcome.identity().subject() == null ? "anonymous"
                : outcome.identity().subject();
        String body = "{\"iceServers\":" + ice.json(user) + ",\"ttl\":" + ice.ttl().toSeconds() + "}";
        return response(request, HttpResponseStatus.OK, "application/json", body, origin);
    }

    private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status, String contentType,
                                             String body, String allowedOrigin) {
        FullHttpResponse response = HttpRequestHandler.response(request.protocolVersion(), new HttpResponder.Reply(
                status.code(), contentType, body.getBytes(StandardCharsets.UTF_8)), HttpUtil.isKeepAlive(request));
        // fresh credentials every time: nothing on the way may keep them
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (allowedOrigin != null) {
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
            response.headers().set(HttpHeaderNames.VARY, "Origin");
        }
        return response;
    }
}
