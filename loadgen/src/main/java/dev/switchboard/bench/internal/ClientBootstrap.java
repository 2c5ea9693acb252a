package dev.switchboard.bench.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.URI;
import java.util.function.Consumer;

/** How every generated connection is opened: no Nagle delay, a bounded connect, the pipeline {@code init} builds. */
public final class ClientBootstrap {
    private ClientBootstrap() {
    }

    public static Bootstrap of(EventLoopGroup group, boolean epoll, Consumer<SocketChannel> init) {
        return new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        init.accept(ch);
                    }
                });
    }

    /** The target's path, {@code /} when it has none. */
    public static String path(URI target) {
        return target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
    }
}
