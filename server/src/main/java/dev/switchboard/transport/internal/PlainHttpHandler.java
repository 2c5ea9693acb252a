package dev.switchboard.transport.internal;

import dev.switchboard.tls.ServerTls;
import dev.switchboard.transport.HttpResponder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection that is plain HTTP and nothing else, every request answered by one {@link HttpResponder}: the
 * ops port. An upgrade request is answered as the plain request it also is; no WebSocket ever starts here.
 */
public final class PlainHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(PlainHttpHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";

    private final HttpResponder responder;
    /** Completes once the reply before is queued for writing: each reply waits for it, so pipelined replies keep order. */
    private CompletableFuture<?> previous = CompletableFuture.completedFuture(null);

    PlainHttpHandler(HttpResponder responder) {
        this.responder = responder;
    }

    /**
     * The pipeline of each connection to a plain HTTP listener, with the public port's limits on requests; HTTPS
     * when {@code tls} is not null.
     */
    public static ChannelInitializer<SocketChannel> initializer(HttpResponder responder, ServerTls tls) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tls != null) {
                    ch.pipeline().addLast("tls", TlsHandlers.handler(tls, ch,
                            TimeUnit.SECONDS.toMillis(ServerInitializer.HTTP_IDLE_SECONDS), null));
                }
                ch.pipeline()
                        // a connection that asks nothing for this long holds a descriptor for nothing
                        .addLast("http-idle", new ReadTimeoutHandler(ServerInitializer.HTTP_IDLE_SECONDS))
                        .addLast("http", new HttpServerCodec(4096, 8192, 8192))
                        .addLast("http-aggregator", new HttpObjectAggregator(ServerInitializer.MAX_HTTP_REQUEST_BYTES))
                        .addLast("http-handler", new PlainHttpHandler(responder));
            }
        };
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        // What the reply needs is read now: the request is released when this returns.
        HttpVersion version = request.protocolVersion();
        boolean readable = request.decoderResult().isSuccess();
        boolean keepAlive = readable && HttpUtil.isKeepAlive(request);
        String method = request.method().name();
        String path = RequestTarget.path(request.uri());
        // The responder may answer on another thread (/metrics is rendered off the loop); the write goes back to
        // this channel's loop, queued after the reply before.
        previous = previous.thenCompose(before -> readable ? responder.respond(method, path)
                        : CompletableFuture.completedFuture(new HttpResponder.Reply(400, TEXT, bytes("bad request"))))
                .handle((reply, failure) -> {
                    HttpResponder.Reply answer = failure == null ? reply : HttpRequestHandler.internalError(failure);
                    ctx.executor().execute(() -> HttpRequestHandler.reply(ctx, version, answer, keepAlive));
                    return null;
                });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP connection error", cause); // a read timeout, a reset: the connection alone ends
        ctx.close();
    }
}
