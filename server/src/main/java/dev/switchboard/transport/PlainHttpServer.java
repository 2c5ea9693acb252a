package dev.switchboard.transport;

import dev.switchboard.tls.ServerTls;
import dev.switchboard.transport.internal.PlainHttpHandler;
import dev.switchboard.transport.internal.ResolvedTransport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener for one {@link HttpResponder} and nothing else, plain HTTP without WebSockets: the node's ops port
 * ({@code --ops-port}: /health, /ready, /metrics on an address apart from the public one).
 *
 * <p>It has one event loop of its own instead of sharing the node's: the node closes it last, after its own loops
 * are gone, so /ready answers 503 for the whole drain; and a probe or a scrape is answered even while the node's
 * loops are busy with traffic. One thread is enough: every answer is small, and the responder renders /metrics
 * off the loop.
 */
public final class PlainHttpServer {
    private static final Logger log = LoggerFactory.getLogger(PlainHttpServer.class);

    private final String host;
    private final int port;
    private final ResolvedTransport transport;
    private final HttpResponder responder;
    private final ServerTls tls;
    private EventLoopGroup group;
    private Channel serverChannel;
    private volatile int boundPort = -1;

    /**
     * A server on {@code host}:{@code port} (0: any free port), HTTPS when {@code tls} is not null; fails if
     * {@code ioTransport} is not available here.
     */
    public PlainHttpServer(String host, int port, IoTransport ioTransport, HttpResponder responder, ServerTls tls) {
        this.tls = tls;
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.transport = ResolvedTransport.resolve(ioTransport);
        this.responder = Objects.requireNonNull(responder, "responder");
    }

    /** Binds the port and starts serving. */
    public void start() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("switchboard-ops-http"),
                transport.ioHandlerFactory());
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(PlainHttpHandler.initializer(responder, tls))
                .bind(new InetSocketAddress(host, port)).sync().channel();
        boundPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info("operations endpoints on {}:{} ({})", host, boundPort, tls == null ? "http"
                : "https" + (tls.verifiesClients() ? ", client certificates required" : ""));
    }

    /** The bound port, or -1 before {@link #start}. */
    public int port() {
        return boundPort;
    }

    /** Closes the port and every connection to it. */
    public void stop() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
