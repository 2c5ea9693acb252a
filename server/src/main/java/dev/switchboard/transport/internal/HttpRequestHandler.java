package dev.switchboard.transport.internal;

import dev.switchboard.auth.Authenticator;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.transport.HttpResponder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateEvent;
import dev.switchboard.transport.TrustedProxies;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP phase of a connection: plain requests go to the {@link HttpResponder} (answered in order, one at a
 * time); a WebSocket upgrade is routed to a dialect, handshaken, and the pipeline turned into a WebSocket one.
 */
final class HttpRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRequestHandler.class);
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private final TransportContext context;
    /** Pipelined requests waiting while an asynchronous reply is pending, so replies keep request order. */
    private ArrayDeque<FullHttpRequest> queued;
    private boolean replying;
    /** The source a PROXY protocol header named, believed only if the peer is a trusted proxy; or null. */
    private InetAddress proxiedSource;

    /** The message budget's state (MessageBudget), which this connection's requests are charged to as well. */
    private long budget;
    /** Answered 429 for its budget: what it still sends is dropped until the socket closes. */
    private boolean refusing;

    /** Closes the connection if its next request is not complete in time (docs/design/limits.md); or null. */
    private io.netty.util.concurrent.ScheduledFuture<?> requestDeadline;

    HttpRequestHandler(TransportContext context) {
        super(false);
        this.context = context;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx); // from the accept: the idle limit restarts on every byte, so a sender of one byte a second
                  // (slowloris) would hold the descriptor for ever without an absolute deadline
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    /** The next request must arrive whole within the handshake timeout. */
    private void arm(ChannelHandlerContext ctx) {
        disarm();
        long millis = context.config.handshakeTimeout().toMillis();
        requestDeadline = ctx.executor().schedule(() -> {
            requestDeadline = null;
            if (ctx.channel().isActive()) {
                context.metrics.refusedUpgrade("timeout");
                ctx.close();
            }
        }, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (requestDeadline != null) {
            requestDeadline.cancel(false);
            requestDeadline = null;
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (refusing) {
            request.release();
            return;
        }
        disarm(); // a whole request: the deadline is met; the next one starts once this is answered
        boolean writable = ctx.channel().isWritable();
        if (replying || !writable || (queued != null && !queued.isEmpty())) {
            if (queued == null) {
                queued = new ArrayDeque<>(2);
            }
            queued.add(request);
            if (!writable) {
                // A client that pipelines requests without reading the answers: read no more from it until it
                // reads, so its answers cannot pile up (only what one read already held waits here).
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        handle(ctx, request);
        rearm(ctx);
    }

    /** After an answer: the next request's deadline runs, unless the connection upgraded or waits for more. */
    private void rearm(ChannelHandlerContext ctx) {
        if (!replying && (queued == null || queued.isEmpty()) && ctx.pipeline().get(HttpRequestHandler.class) == this
                && ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    /** Answers queued requests in order while nothing is pending and the client reads; then reads again. */
    private void drain(ChannelHandlerContext ctx) {
        while (!replying && ctx.channel().isWritable() && queued != null && !queued.isEmpty()) {
            handle(ctx, queued.poll());
        }
        if (!refusing && ctx.channel().isWritable() && (queued == null || queued.isEmpty())
                && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
        rearm(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            drain(ctx);
        }
        super.channelWritabilityChanged(ctx);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            if (!request.decoderResult().isSuccess()) {
                reply(ctx, request, new HttpResponder.Reply(400, "text/plain; charset=utf-8",
                        bytes("bad request")), false);
                return;
            }
            if (context.config.messageBudget().enabled() && overBudget(ctx, request)) {
                return;
            }
            if (request.protocolVersion().majorVersion() != 1) {
                // e.g. the HTTP/2 preface (PRI * HTTP/2.0) sent to an HTTP/1.1 port: not answered as HTTP/1.1
                reply(ctx, HttpVersion.HTTP_1_1, new HttpResponder.Reply(505, "text/plain; charset=utf-8",
                        bytes("HTTP version not supported")), false);
                return;
            }
            if (isUpgrade(request)) {
                upgrade(ctx, request);
                return;
            }
            String path = RequestTarget.path(request.uri());
            if (context.iceServers.handles(request, path)) {
                send(ctx, context.iceServers.answer(request));
                return;
            }
            CompletableFuture<HttpResponder.Reply> pending =
                    context.responder.respond(new HttpResponder.Request(request.method().name(), path,
                            request.headers().get(HttpHeaderNames.ORIGIN),
                            request.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS))).toCompletableFuture();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (pending.isDone()) {
                reply(ctx, request, result(pending), keepAlive);
                return;
            }
            replying = true;
            request.retain();
            pending.whenComplete((r, e) -> ctx.executor().execute(() -> {
                replying = false;
                reply(ctx, request, result(pending), keepAlive);
                request.release();
                drain(ctx);
            }));
        } finally {
            request.release();
        }
    }

    /**
     * Charges a request to the connection's message budget, as a WebSocket frame is charged: a keep-alive client
     * asking in a loop costs the node a request's work each time. Over the budget it is answered 429 and closed
     * (docs/design/limits.md#message-budgets); whatever it pipelined after is not answered.
     */
    private boolean overBudget(ChannelHandlerContext ctx, FullHttpRequest request) {
        var limit = context.config.messageBudget();
        long now = System.nanoTime();
        budget = limit.chargeRequest(budget, now, request.uri().length() + request.content().readableBytes());
        long over = limit.overBy(budget, now);
        if (over == 0) {
            return false;
        }
        refusing = true;
        context.metrics.refusedUpgrade("request_rate");
        FullHttpResponse response = response(request, new HttpResponder.Reply(429, "text/plain; charset=utf-8",
                bytes("too many requests on this connection")), false);
        response.headers().set(HttpHeaderNames.RETRY_AFTER,
                Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(over) + 1));
        if (queued != null) {
            queued.forEach(FullHttpRequest::release);
            queued.clear();
        }
        send(ctx, response);
        // Nothing more is read from it: what it pipelined after would be decoded only to be dropped, at whatever
        // rate the client can send, on the loop other connections share; it waits in the client's own TCP window
        // instead. The 429 goes out if the client reads; one that does not is closed a second later.
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> {
            ctx.close(); // a block: as an expression, close() would make this a Callable as well as a Runnable
        }, 1, java.util.concurrent.TimeUnit.SECONDS);
        return true;
    }

    private static HttpResponder.Reply result(CompletableFuture<HttpResponder.Reply> pending) {
        try {
            return pending.join();
        } catch (RuntimeException e) {
            return internalError(e);
        }
    }

    /** The answer when the responder failed (a bug): 500, logged. Also the ops port's. */
    static HttpResponder.Reply internalError(Throwable failure) {
        log.warn("HTTP responder failed", failure);
        return new HttpResponder.Reply(500, "text/plain; charset=utf-8", bytes("internal error"));
    }

    void proxiedSource(InetAddress source) {
        proxiedSource = source;
    }

    private static boolean isUpgrade(FullHttpRequest request) {
        return request.method() == HttpMethod.GET
                && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpHeaders headers = request.headers();
        if (!validKey(headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
            reply(ctx, request, new HttpResponder.Reply(400, "text/plain; charset=utf-8",
                    bytes("missing or malformed Sec-WebSocket-Key")), false);
            return;
        }
        if (!context.config.origins().allows(headers.get(HttpHeaderNames.ORIGIN))) {
            context.metrics.refusedUpgrade("origin");
            reply(ctx, request, new HttpResponder.Reply(403, "text/plain; charset=utf-8",
                    bytes("origin not allowed")), false);
            return;
        }
        InetAddress client = clientAddress(ctx, headers);
        if (context.admission.limitsRate() && refused(ctx, request, context.admission.rate(client))) {
            return;
        }
        Handshake handshake = RequestTarget.parse(request.uri()).with(keptHeaders(headers),
                client == null ? null : client.getHostAddress());
        Dialect dialect = context.router.route(handshake);
        if (dialect == null) {
            reply(ctx, request, new HttpResponder.Reply(404, "text/plain; charset=utf-8", bytes("not found")), false);
            return;
        }
        Authenticator.Outcome auth = context.auth.check(context.auth.mode(dialect.names()),
                headers.get(HttpHeaderNames.AUTHORIZATION), handshake.param("token"));
        if (auth.refused()) {
            context.metrics.refusedUpgrade("token");
            FullHttpResponse refusal = response(request, new HttpResponder.Reply(401, "text/plain; charset=utf-8",
                    bytes(auth.refusal())), false);
            // RFC 6750: a refusal for want of a bearer token says so
            refusal.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            send(ctx, refusal);
            return;
        }
        if (auth.identity() != null) {
            handshake = handshake.with(auth.identity());
        }
        WebSocketDecoderConfig decoderConfig = context.decoderConfig(dialect.maxMessageBytes());
        String location = (context.tls == null ? "ws://" : "wss://")
                + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri();
        WebSocketServerHandshaker handshaker =
                new WebSocketServerHandshakerFactory(location, null, decoderConfig).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        if (refused(ctx, request, context.admission.count(client))) {
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        Handshake opened = handshake;
        // the key was checked above, so this does not throw; the connection is counted once the response is on
        // its way, so that a refused upgrade never shows as an open connection
        var response = handshaker.handshake(ctx.channel(), request);
        WebSocketConnection connection = new WebSocketConnection(context, ctx.channel(), dialect,
                client == null || client.equals(peer(ctx)) ? null : handshake.clientAddress());
        response.addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                connection.start(dialect, opened);
                if (opened.identity() != null && context.auth.closeOnExpiry()) {
                    connection.closeWhenExpired(opened.identity().expiresAt().plus(context.auth.clockSkew()));
                }
            } else {
                done.channel().close();
            }
        });
        // The handshake already put the frame decoder in place; frames flow to these from now on.
        pipeline.addAfter(ctx.name(), "ws-connection", connection);
        if (pipeline.get("http-idle") != null) {
            pipeline.remove("http-idle");
        }
        pipeline.remove(this);
    }

    /** Answers 429 for an upgrade the per-address limits refuse; false if {@code refusal} is null. */
    private boolean refused(ChannelHandlerContext ctx, FullHttpRequest request, Admission.Refusal refusal) {
        if (refusal == null) {
            return false;
        }
        context.metrics.refusedUpgrade(refusal.metric);
        FullHttpResponse response = response(request, new HttpResponder.Reply(429, "text/plain; charset=utf-8",
                bytes(refusal.message)), false);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, context.admission.retryAfterSeconds());
        send(ctx, response);
        return true;
    }

    /** RFC 6455 §4.1: the key is 16 random bytes, base64-encoded (24 characters). */
    private static boolean validKey(String key) {
        if (key == null || key.trim().length() != 24) {
            return false;
        }
        try {
            return java.util.Base64.getDecoder().decode(key.trim()).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static InetAddress peer(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress socket ? socket.getAddress() : null;
    }

    /** The socket's peer, or whom the trusted proxies say the client is (docs/design/routing.md#who-the-client-is). */
    private InetAddress clientAddress(ChannelHandlerContext ctx, HttpHeaders headers) {
        InetAddress peer = peer(ctx);
        TrustedProxies proxies = context.config.trustedProxies();
        if (peer == null || proxies.isEmpty()) {
            return peer;
        }
        List<String> forwarded = headers.getAll(X_FORWARDED_FOR);
        return proxies.client(peer, proxiedSource, forwarded.isEmpty() ? null : String.join(",", forwarded));
    }

    private static Map<String, String> keptHeaders(HttpHeaders headers) {
        Map<String, String> kept = null;
        for (String name : Handshake.KEPT_HEADERS) {
            List<String> values = headers.getAll(name);
            if (!values.isEmpty()) {
                if (kept == null) {
                    kept = new HashMap<>(8);
                }
                kept.put(name, String.join(", ", values));
            }
        }
        return kept == null ? Map.of() : kept;
    }

    /** A whole response; without a Content-Type when the reply has none (a 204). */
    static FullHttpResponse response(HttpVersion version, HttpResponder.Reply reply, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(version,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        if (reply.contentType() != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        reply.headers().forEach((name, value) -> response.headers().set(name, value));
        HttpUtil.setContentLength(response, reply.body().length);
        HttpUtil.setKeepAlive(response, keepAlive);
        return response;
    }

    private static FullHttpResponse response(FullHttpRequest request, HttpResponder.Reply reply, boolean keepAlive) {
        return response(request.protocolVersion(), reply, keepAlive);
    }

    private static void reply(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponder.Reply reply,
                              boolean keepAlive) {
        reply(ctx, request.protocolVersion(), reply, keepAlive);
    }

    /** Writes a reply; also the ops port's ({@link PlainHttpHandler}). */
    static void reply(ChannelHandlerContext ctx, HttpVersion version, HttpResponder.Reply reply, boolean keepAlive) {
        send(ctx, response(version, reply, keepAlive));
    }

    /** Writes a response, and closes the connection after it unless it keeps the connection alive. */
    static void send(ChannelHandlerContext ctx, FullHttpResponse response) {
        var written = ctx.writeAndFlush(response);
        if (!HttpUtil.isKeepAlive(response)) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close(); // an HTTP connection that neither asks nor upgrades holds a descriptor for nothing
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP connection error", cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        if (queued != null) {
            queued.forEach(FullHttpRequest::release);
            queued = null;
        }
        super.channelInactive(ctx);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
