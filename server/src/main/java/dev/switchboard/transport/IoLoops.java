package dev.switchboard.transport;

import dev.switchboard.transport.internal.ResolvedTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * A node's network event loops, made before anything runs on them: the server's connections and, where it can
 * use them, the cluster bus's connections to Redis. A bus on the node's own loops reads a message from another
 * node and writes it to the node's clients on one thread, and writes its publishes where the client's message
 * was read, instead of handing each message from thread to thread (BENCHMARKS.md, "The bus on the node's
 * event loops"). The server owns them: {@link NettyServer#stop} shuts them down.
 */
public final class IoLoops {
    private final ResolvedTransport transport;
    private final EventLoopGroup group;

    private IoLoops(ResolvedTransport transport, EventLoopGroup group) {
        this.transport = transport;
        this.group = group;
    }

    /**
     * {@code threads} loops of {@code wanted}.
     *
     * @throws TransportUnavailableException when the platform lacks that transport
     */
    public static IoLoops open(int threads, IoTransport wanted) {
        ResolvedTransport transport = ResolvedTransport.resolve(wanted);
        return new IoLoops(transport, new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("switchboard-io"), transport.ioHandlerFactory()));
    }

    EventLoopGroup group() {
        return group;
    }

    /**
     * The loops, for a client library's connections over epoll (the transport Lettuce picks on Linux), or null
     * when they run another transport (io_uring, NIO), whose loops cannot take an epoll channel.
     */
    public EventLoopGroup forEpollClients() {
        return "epoll".equals(transport.name()) ? group : null;
    }

    /** For a node that did not start: nothing runs on them yet. */
    public void shutdown() {
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
