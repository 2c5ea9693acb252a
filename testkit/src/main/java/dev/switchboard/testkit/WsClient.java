package dev.switchboard.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.URI;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket client over a real socket, for tests: records every message and the close status, and can
 * be told not to answer pings (a dead peer) or to send frames a browser never would.
 */
public final class WsClient implements AutoCloseable {
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("test-ws-client", true), NioIoHandler.newFactory());

    /** A received message: text, or binary when {@code binary}. */
    public record Message(String text, boolean binary) {
    }

    /** The close frame received (code -1 when none came: the connection just dropped) . */
    public record CloseStatus(int code, String reason) {
        public static final int NONE = -1;
        /** RFC 6455 1005: a close frame without a status. */
        public static final int NO_STATUS = 1005;
    }

    private volatile Channel channel;
    private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
    private final AtomicInteger pings = new AtomicInteger();
    private volatile CloseStatus closeFrame;
    private volatile boolean autoPong;

    private WsClient() {
    }

    public static WsClient connect(int port, String path) {
        return connect(port, path, true);
    }

    public static WsClient connect(int port, String path, boolean autoPong) {
        return connect(port, path, autoPong, null);
    }

    /** A wss:// client, TLS with {@code tls} (a context that trusts the node's CA: see {@link TestCa}). */
    public static WsClient connectTls(int port, String path, SslContext tls) {
        return connect(port, path, true, tls);
    }

    private static WsClient connect(int port, String path, boolean autoPong, SslContext tls) {
        URI uri = URI.create((tls == null ? "ws://" : "wss://") + "127.0.0.1:" + port + path);
        // as a native client: no Origin header (Netty's client would make one up from the URL)
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 64 * 1024 * 1024, true, false,
                -1, false, false);
        CompletableFuture<WsClient> ready = new CompletableFuture<>();
        Handler handler = new Handler(handshaker, ready, autoPong);
        handler.client = new WsClient();
        handler.client.autoPong = autoPong;
        Bootstrap b = new Bootstrap().group(GROUP).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            // host name checked against the certificate, as a browser does
                            SslHandler ssl = tls.newHandler(ch.alloc(), "localhost", port);
                            SSLParameters params = ssl.engine().getSSLParameters();
                            params.setEndpointIdentificationAlgorithm("HTTPS");
                            ssl.engine().setSSLParameters(params);
                            ch.pipeline().addLast("tls", ssl);
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024), handler);
                    }
                });
        Channel ch = b.connect("127.0.0.1", port).syncUninterruptibly().channel();
        try {
            return ready.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            ch.close();
            throw new IllegalStateException("WebSocket handshake with " + uri + " failed", e);
        }
    }

    /** The certificate the server presented (wss:// only). */
    public X509Certificate peerCertificate() {
        try {
            return (X509Certificate) channel.pipeline().get(SslHandler.class).engine().getSession()
                    .getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            throw new IllegalStateException(e);
        }
    }

    public WsClient send(String text) {
        return sendFrame(new TextWebSocketFrame(text));
    }

    public WsClient sendBinary(byte[] data) {
        return sendFrame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(data)));
    }

    public WsClient sendFrame(WebSocketFrame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
        return this;
    }

    /** Sends several frames in one flush, so none can be refused for a close the earlier ones caused. */
    public WsClient sendFrames(WebSocketFrame... frames) {
        for (int i = 0; i < frames.length - 1; i++) {
            channel.write(frames[i]);
        }
        channel.writeAndFlush(frames[frames.length - 1]).syncUninterruptibly();
        return this;
    }

    /** The next message, or null if none came within {@code timeout}. */
    public Message poll(Duration timeout) {
        try {
            return messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * How long {@link #next()} and the other waits of the test kit give what they wait for: generous, since a
     * loaded machine can be slow and a failing test is the only one that waits it out.
     */
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    /** The next text message; fails the test if none comes within {@link #PATIENCE}. */
    public String next() {
        Message m = poll(PATIENCE);
        if (m == null) {
            throw new AssertionError("no message within " + PATIENCE.toSeconds() + " s");
        }
        return m.text();
    }

    /** Messages received and not yet taken. */
    public int pending() {
        return messages.size();
    }

    public int pingsReceived() {
        return pings.get();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Waits for the connection to end; the close frame received, or code -1 if it dropped without one. */
    public CloseStatus awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("connection still open after " + timeout, e);
        }
    }

    public void close(int code, String reason) {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
        }
    }

    @Override
    public void close() {
        close(1000, "");
        channel.close();
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        private final WebSocketClientHandshaker handshaker;
        private final CompletableFuture<WsClient> ready;
        private final boolean autoPong;
        volatile WsClient client;

        Handler(WebSocketClientHandshaker handshaker, CompletableFuture<WsClient> ready, boolean autoPong) {
            this.handshaker = handshaker;
            this.ready = ready;
            this.autoPong = autoPong;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            client.channel = ctx.channel();
            handshaker.handshake(ctx.channel());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                try {
                    handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                    ready.complete(client);
                } catch (RuntimeException e) {
                    ready.completeExceptionally(e);
                }
                return;
            }
            if (msg instanceof TextWebSocketFrame t) {
                client.messages.add(new Message(t.text(), false));
            } else if (msg instanceof BinaryWebSocketFrame b) {
                byte[] bytes = new byte[b.content().readableBytes()];
                b.content().readBytes(bytes);
                client.messages.add(new Message(new String(bytes, StandardCharsets.UTF_8), true));
            } else if (msg instanceof PingWebSocketFrame p) {
                client.pings.incrementAndGet();
                if (autoPong) {
                    ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()));
                }
            } else if (msg instanceof CloseWebSocketFrame c) {
                int code = c.statusCode() == -1 ? CloseStatus.NO_STATUS : c.statusCode();
                client.closeFrame = new CloseStatus(code, c.reasonText() == null ? "" : c.reasonText());
                ctx.writeAndFlush(new CloseWebSocketFrame(c.statusCode() == -1 ? 1000 : c.statusCode(), ""))
                        .addListener(f -> ctx.close());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ready.completeExceptionally(new IllegalStateException("closed during handshake"));
            if (client != null) {
                CloseStatus status = client.closeFrame;
                client.closed.complete(status == null ? new CloseStatus(CloseStatus.NONE, "") : status);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ready.completeExceptionally(cause);
            ctx.close();
        }
    }
}
