package dev.switchboard.bench.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.function.Consumer;

/**
 * How every generated connection is opened: no Nagle delay, a bounded connect, the pipeline {@code init} builds.
 * A connection from a given source address binds it with {@code IP_BIND_ADDRESS_NO_PORT} (epoll): the kernel
 * then picks the port at connect, unique for the four-tuple, instead of at bind, where a port must be free for
 * every destination and the TIME_WAIT ports of earlier runs from other sources count, so that tens of thousands
 * of connections exhaust the ephemeral range ({@code EADDRINUSE}).
 */
public final class ClientBootstrap {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private ClientBootstrap() {
    }

    public static Bootstrap of(EventLoopGroup group, boolean epoll, Consumer<SocketChannel> init) {
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        init.accept(ch);
                    }
                });
        return epoll ? b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true) : b;
    }

    /**
     * Opens one connection on {@code loop} without a {@link Bootstrap} (none to build or resolve through per
     * connection): called on that loop, the registration and the connect run at once, with no task hand-off.
     * {@code local} is the source address (port 0), or null.
     */
    public static ChannelFuture connect(EventLoop loop, boolean epoll, InetSocketAddress remote,
                                        InetSocketAddress local, Consumer<Channel> init) {
        Channel ch = epoll ? new EpollSocketChannel() : new NioSocketChannel();
        ch.config().setOption(ChannelOption.TCP_NODELAY, true);
        ch.config().setConnectTimeoutMillis(CONNECT_TIMEOUT_MILLIS);
        if (epoll && local != null) {
            ch.config().setOption(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        init.accept(ch);
        ChannelPromise connected = ch.newPromise();
        loop.register(ch).addListener(registered -> {
            if (!registered.isSuccess()) {
                ch.unsafe().closeForcibly();
                connected.setFailure(registered.cause());
            } else if (local == null) {
                ch.connect(remote, connected);
            } else {
                ch.connect(remote, local, connected);
            }
        });
        return connected;
    }

    /** The target's path, {@code /} when it has none. */
    public static String path(URI target) {
        return target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
    }
}
