package dev.switchboard.transport.internal;

import dev.switchboard.transport.IoTransport;
import dev.switchboard.transport.TransportUnavailableException;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;

/**
 * A configured {@link IoTransport} resolved to what Netty needs: the loops' I/O handler and the server channel.
 *
 * @param flushIsSynchronous whether a flush hands the bytes to the kernel before it returns (epoll, NIO), or
 *                           only queues a write that the loop submits later (io_uring)
 */
public record ResolvedTransport(String name, IoHandlerFactory ioHandlerFactory,
                                Class<? extends ServerChannel> serverChannel, boolean flushIsSynchronous) {

    /**
     * Submission-queue entries per loop (Netty's default). The completion queue is 8x larger: every open
     * connection can have a read and a write in flight, and with a completion queue too small the kernel
     * holds completions back until the loop catches up (32,768 entries of 16 B = 512 KiB per loop).
     */
    private static final int URING_RING_ENTRIES = 4096;
    private static final int URING_COMPLETION_ENTRIES = 8 * URING_RING_ENTRIES;

    /** Resolves {@code wanted}; throws {@link TransportUnavailableException} with the platform's reason if it is missing. */
    public static ResolvedTransport resolve(IoTransport wanted) {
        return switch (wanted) {
            case AUTO -> Epoll.isAvailable() ? epoll() : nio();
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new TransportUnavailableException(wanted, Epoll.unavailabilityCause());
                }
                yield epoll();
            }
            case IO_URING -> {
                if (!IoUring.isAvailable()) {
                    throw new TransportUnavailableException(wanted, IoUring.unavailabilityCause());
                }
                yield new ResolvedTransport("io_uring", IoUringIoHandler.newFactory(new IoUringIoHandlerConfig()
                        .setRingSize(URING_RING_ENTRIES).setCqSize(URING_COMPLETION_ENTRIES)),
                        IoUringServerSocketChannel.class, false);
            }
            case NIO -> nio();
        };
    }

    private static ResolvedTransport epoll() {
        return new ResolvedTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, true);
    }

    private static ResolvedTransport nio() {
        return new ResolvedTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, true);
    }
}
