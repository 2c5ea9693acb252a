package dev.switchboard.transport.internal;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The pipeline every accepted connection starts with: HTTP, until a WebSocket upgrade replaces it. */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    /** Plain HTTP requests are small (health, metrics); an upgrade request has no body. */
    static final int MAX_HTTP_REQUEST_BYTES = 16 * 1024;
    static final int HTTP_IDLE_SECONDS = 30;

    private final TransportContext context;

    /** Gives a closed connection's place back to the node's connection limit. */
    private final io.netty.channel.ChannelFutureListener released;

    public ServerInitializer(TransportContext context) {
        this.context = context;
        this.released = closed -> context.admission.closed();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        if (!context.admission.accept()) {
            context.metrics.refusedUpgrade("capacity");
            p.addLast(AtCapacity.INSTANCE);
            return;
        }
        ch.closeFuture().addListener(released); // one listener for every connection: no allocation per connection
        if (context.config.proxyProtocol()) {
            // v1 or v2, detected; a connection that does not start with one is closed
            p.addLast("proxy-protocol", new HAProxyMessageDecoder());
            p.addLast("proxy-source", ProxySource.INSTANCE);
        }
        if (context.tls != null) {
            // after the PROXY header, which a load balancer sends in the clear before the client's bytes
            p.addLast("tls", TlsHandlers.handler(context.tls, ch, context.config.handshakeTimeout().toMillis(),
                    context.metrics));
        }
        p.addLast("http-idle", new IdleStateHandler(HTTP_IDLE_SECONDS, 0, 0, TimeUnit.SECONDS));
        p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
        p.addLast("http-aggregator", new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES));
        if (context.config.compression()) {
            // inflated messages are bounded too (0 would let a small frame inflate without limit: a zip bomb)
            p.addLast("ws-compression", new WebSocketServerCompressionHandler(context.config.maxMessageBytes()));
        }
        p.addLast("http-handler", new HttpRequestHandler(context));
    }
}
