package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.testkit.TestNodes;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With --compression, a message is bounded after inflation too: a small frame cannot inflate to megabytes. */
class CompressionTest {
    @Test
    void aFrameThatInflatesPastTheMessageLimitIsClosedWith1009() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Switchboard node = TestNodes.start(TestNodes.config().compression(true).build())) {
            BlockingQueue<WebSocketFrame> received = new LinkedBlockingQueue<>();
            CompletableFuture<Void> open = new CompletableFuture<>();
            URI uri = URI.create("ws://127.0.0.1:" + node.port() + "/");
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                    WebSocketClientCompressionHandler.INSTANCE,
                                    new WebSocketClientProtocolHandler(uri, WebSocketVersion.V13, null, true,
                                            new DefaultHttpHeaders(), 64 * 1024 * 1024, false),
                                    new SimpleChannelInboundHandler<WebSocketFrame>() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                                open.complete(null);
                                            }
                                        }

                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame f) {
                                            received.add(f.retain());
                                        }
                                    });
                        }
                    }).connect("127.0.0.1", node.port()).sync().channel();
            open.get(10, TimeUnit.SECONDS);
            // a small message first: compression works both ways
            ch.writeAndFlush(new TextWebSocketFrame("{\"type\":\"ping\"}"));
            WebSocketFrame pong = received.poll(10, TimeUnit.SECONDS);
            assertThat(pong).isInstanceOf(TextWebSocketFrame.class);
            String text = ((TextWebSocketFrame) pong).text();
            pong.release();
            assertThat(text).isEqualTo("{\"type\":\"pong\"}");
            // 8 MB of spaces deflate to a few KB: under the frame limit on the wire, far over it inflated
            String bomb = "{\"type\":\"publish\",\"topic\":\"t\",\"pad\":\"" + " ".repeat(8 * 1024 * 1024) + "\"}";
            ch.writeAndFlush(new TextWebSocketFrame(bomb));
            WebSocketFrame close = received.poll(30, TimeUnit.SECONDS);
            assertThat(close).isInstanceOf(CloseWebSocketFrame.class);
            int code = ((CloseWebSocketFrame) close).statusCode();
            close.release();
            assertThat(code).isEqualTo(1009);
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
