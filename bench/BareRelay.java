import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * y-webrtc's relay written plainly on Netty, for bench/compare-defaults.sh's {@code bare} setup: one event loop,
 * Netty's own WebSocket handlers, subscribe / publish / ping told apart by a substring scan (no JSON parse, no
 * limits, no metrics, nothing a server open to the internet needs), each publish's bytes written unchanged to
 * every subscriber of its topic, the sender included, and every connection written in a read batch flushed once
 * at the batch's end. Not part of the product: a reference for what a relay costs under a given generator
 * without any of Switchboard's own work (BENCHMARKS.md, "A plain Netty relay beside the defaults").
 *
 * <p>{@code java -cp target/switchboard.jar bench/BareRelay.java PORT}
 */
public final class BareRelay {
    private static final Map<String, List<Channel>> TOPICS = new HashMap<>();
    /** Connections written since the loop's last flush (one loop: no locking). */
    private static final Set<Channel> UNFLUSHED = new LinkedHashSet<>();
    private static final ByteBuf PONG = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("{\"type\":\"pong\"}", StandardCharsets.UTF_8));

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new HttpProbe(),
                                new WebSocketServerProtocolHandler("/", null, false, 1 << 20, false, true),
                                new Relay());
                    }
                })
                .bind("127.0.0.1", port).sync().channel().closeFuture().sync();
    }

    /** A request that is not an upgrade (the scripts' readiness probe) gets 200; upgrades go on. */
    private static final class HttpProbe extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request) || request.headers().contains(HttpHeaderNames.UPGRADE)) {
                ctx.fireChannelRead(msg);
                return;
            }
            request.release();
            DefaultFullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("okay", StandardCharsets.US_ASCII));
            ok.headers().set(HttpHeaderNames.CONTENT_LENGTH, 4);
            ctx.writeAndFlush(ok);
        }
    }

    private static final class Relay extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private final List<String> subscribed = new ArrayList<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            String text = frame.content().toString(StandardCharsets.UTF_8);
            if (text.startsWith("{\"type\":\"publish\"")) {
                List<Channel> receivers = TOPICS.get(field(text, "\"topic\":\""));
                if (receivers != null) {
                    for (Channel c : receivers) {
                        c.write(new TextWebSocketFrame(frame.content().retainedDuplicate()));
                        UNFLUSHED.add(c);
                    }
                }
            } else if (text.startsWith("{\"type\":\"subscribe\"")) {
                String topic = field(text, "\"topics\":[\"");
                TOPICS.computeIfAbsent(topic, t -> new ArrayList<>()).add(ctx.channel());
                subscribed.add(topic);
            } else if (text.startsWith("{\"type\":\"ping\"")) {
                ctx.write(new TextWebSocketFrame(PONG.duplicate()));
                UNFLUSHED.add(ctx.channel());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            for (Channel c : UNFLUSHED) {
                c.flush();
            }
            UNFLUSHED.clear();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            for (String topic : subscribed) {
                List<Channel> receivers = TOPICS.get(topic);
                if (receivers != null && receivers.remove(ctx.channel()) && receivers.isEmpty()) {
                    TOPICS.remove(topic);
                }
            }
            UNFLUSHED.remove(ctx.channel());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a peer that went away (the generator's end of run resets its sockets)
        }

        /** The JSON string value that starts right after {@code key} (ids and topics here need no unescaping). */
        private static String field(String text, String key) {
            int start = text.indexOf(key) + key.length();
            return text.substring(start, text.indexOf('"', start));
        }
    }
}
