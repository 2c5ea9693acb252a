package dev.switchboard.transport.internal;

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
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
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

    private final TransportContext context;
    /** Pipelined requests waiting while an asynchronous reply is pending, so replies keep request order. */
    private ArrayDeque<FullHttpRequest> queued;
    private boolean replying;

    HttpRequestHandler(TransportContext context) {
        super(false);
        this.context = context;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (replying) {
            if (queued == null) {
                queued = new ArrayDeque<>(2);
            }
            queued.add(request);
            return;
        }
        handle(ctx, request);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            if (!request.decoderResult().isSuccess()) {
                reply(ctx, request, new HttpResponder.Reply(400, "text/plain; charset=utf-8",
                        bytes("bad request")), false);
                return;
            }
            if (isUpgrade(request)) {
                upgrade(ctx, request);
                return;
            }
            String path = RequestTarget.path(request.uri());
            CompletableFuture<HttpResponder.Reply> pending =
                    context.responder.respond(request.method().name(), path).toCompletableFuture();
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
                while (!replying && queued != null && !queued.isEmpty()) {
                    handle(ctx, queued.poll());
                }
            }));
        } finally {
            request.release();
        }
    }

    private static HttpResponder.Reply result(CompletableFuture<HttpResponder.Reply> pending) {
        try {
            return pending.join();
        } catch (RuntimeException e) {
            log.warn("HTTP responder failed", e);
            return new HttpResponder.Reply(500, "text/plain; charset=utf-8", bytes("internal error"));
        }
    }

    private static boolean isUpgrade(FullHttpRequest request) {
        return request.method() == HttpMethod.GET
                && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        Handshake handshake = RequestTarget.parse(request.uri());
        Dialect dialect = context.router.route(handshake);
        if (dialect == null) {
            reply(ctx, request, new HttpResponder.Reply(404, "text/plain; charset=utf-8", bytes("not found")), false);
            return;
        }
        WebSocketDecoderConfig decoderConfig = context.decoderConfig(dialect.maxMessageBytes());
        String location = "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri();
        WebSocketServerHandshaker handshaker =
                new WebSocketServerHandshakerFactory(location, null, decoderConfig).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        WebSocketConnection connection = new WebSocketConnection(context, ctx.channel(), dialect);
        ChannelPipeline pipeline = ctx.pipeline();
        handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                connection.start(dialect, handshake);
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

    private static void reply(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponder.Reply reply,
                              boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        HttpUtil.setContentLength(response, reply.body().length);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
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
