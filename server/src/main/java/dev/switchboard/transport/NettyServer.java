package dev.switchboard.transport;

import dev.switchboard.auth.Authenticator;
import dev.switchboard.dialect.DialectRouter;
import dev.switchboard.ice.IceServers;
import dev.switchboard.metrics.Metrics;
import dev.switchboard.tls.ServerTls;
import dev.switchboard.transport.internal.ResolvedTransport;
import dev.switchboard.transport.internal.ServerInitializer;
import dev.switchboard.transport.internal.TransportContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network side of a node: one port for HTTP and every WebSocket dialect, on the configured transport
 * (by default Netty's native epoll where the platform has it and NIO elsewhere).
 */
public final class NettyServer {
    private static final Logger log = LoggerFactory.getLogger(NettyServer.class);

    /** How often the node-wide buffer budget is checked: a client cannot queue much in a quarter second. */
    private static final long BUFFER_CHECK_MILLIS = 250;

    private final TransportOptions config;
    private final TransportContext context;
    private final ServerTls tls;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;

    /**
     * A server that routes each WebSocket upgrade with {@code router} and every other HTTP request to
     * {@code responder}; over TLS when {@code tls} is not null (wss://, https://); fails if the transport the
     * options name is not available here.
     */
    public NettyServer(TransportOptions options, DialectRouter router, HttpResponder responder, Metrics metrics,
                       String nodeId, Authenticator auth, IceServers ice, ServerTls tls) {
        this(options, router, responder, metrics, nodeId, auth, ice, tls, null);
    }

    /** As above, on {@code loops} (of the options' transport; null: the server makes its own when it starts). */
    public NettyServer(TransportOptions options, DialectRouter router, HttpResponder responder, Metrics metrics,
                       String nodeId, Authenticator auth, IceServers ice, ServerTls tls, IoLoops loops) {
        // the node's loops when made before the server (they may carry the cluster bus's connections too)
        this.workers = loops == null ? null : loops.group();
        this.config = options;
        this.tls = tls;
        this.context = new TransportContext(options, router, responder, metrics, nodeId, auth, ice, tls);
    }

    /** Binds the port and starts serving. */
    public void start() throws InterruptedException {
        ResolvedTransport transport = context.transport();
        if (workers == null) {
            workers = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("switchboard-io"),
                    transport.ioHandlerFactory());
        }
        // with one event loop it accepts too: each accepted connection is registered where it was accepted, at
        // once, instead of being handed to the loop (a task and a wake-up, a thread switch on the loop's core);
        // with several, a loop of its own accepts and spreads the connections over them
        boss = config.ioThreads() == 1 ? workers : new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("switchboard-accept"), transport.ioHandlerFactory());
        int cap = config.maxOutboundBytes();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // no TCP_NODELAY here: every transport's connection config turns it on as it is made (Netty does
                // so wherever the platform allows, as on Linux), and setting it again cost each accepted
                // connection a setsockopt (a storm's profile: 2 of the ~12 system calls of a join)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(cap / 2, cap))
                // one allocator for all connections (each still gets its own handle): by default every
                // channel gets an allocator object of its own, 32 bytes per idle connection
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator())
                .childHandler(new ServerInitializer(context));
        serverChannel = bootstrap.bind(new InetSocketAddress(config.host(), config.port())).sync().channel();
        long ping = config.pingInterval().toMillis();
        // with a fixed delay, not a fixed rate: after a stall of the loop a fixed rate runs the overdue sweeps back
        // to back, and the second closes as silent every client whose pong to the first could not arrive yet
        workers.next().scheduleWithFixedDelay(context::sweep, ping, ping, TimeUnit.MILLISECONDS);
        boss.next().scheduleAtFixedRate(context::checkBufferBudget, BUFFER_CHECK_MILLIS, BUFFER_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        log.info("listening on {}:{} ({} transport){}", config.host(), port(), transport.name(),
                tls == null ? "" : ", TLS with " + tls.providerName());
    }

    /** Bytes queued for all connections and not yet taken by the kernel. */
    public long queuedBytes() {
        return context.connections().queuedBytes();
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public String transportName() {
        return context.transport().name();
    }

    /** Stops accepting new connections; open ones are untouched. */
    public void stopAccepting() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
    }

    /**
     * Closes every WebSocket with {@code code} and waits until they are gone or {@code timeout} has passed.
     * Returns whether all closed in time.
     */
    public boolean closeAll(int code, String reason, Duration timeout) {
        context.connections().closeAll(code, reason, "shutdown");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (context.connections().size() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return context.connections().size() == 0;
    }

    /** Releases the event loops; whatever is still open is closed without ceremony. */
    public void stop(Duration timeout) {
        stopAccepting();
        long ms = Math.max(100, timeout.toMillis());
        if (workers != null) {
            workers.shutdownGracefully(0, ms, TimeUnit.MILLISECONDS);
            workers.terminationFuture().awaitUninterruptibly(ms);
        }
        if (boss != null) {
            boss.shutdownGracefully(0, ms, TimeUnit.MILLISECONDS);
            boss.terminationFuture().awaitUninterruptibly(ms);
        }
    }
}
