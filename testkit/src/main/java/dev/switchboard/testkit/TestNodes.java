package dev.switchboard.testkit;

import dev.switchboard.transport.IoTransport;
import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;

/** Starts real nodes for tests: loopback only, a free port. */
public final class TestNodes {
    private TestNodes() {
    }

    /**
     * The transport the suite runs on: {@code -Dswitchboard.test.transport=io_uring} (or epoll, nio) runs every
     * test's nodes on that one; by default each picks as a node does.
     */
    public static IoTransport transport() {
        return IoTransport.valueOf(System.getProperty("switchboard.test.transport", "auto").toUpperCase());
    }

    /** Whether this machine can run {@code transport} (the native ones need Linux and, for io_uring, a kernel that allows it). */
    public static boolean available(IoTransport transport) {
        return switch (transport) {
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
            case AUTO, NIO -> true;
        };
    }

    public static SwitchboardConfig.Builder config() {
        return SwitchboardConfig.builder().host("127.0.0.1").port(0).grpcPort(0).ioThreads(2)
                .ioTransport(transport());
    }

    public static Switchboard start() {
        return start(config().build());
    }

    public static Switchboard start(SwitchboardConfig config) {
        try {
            return Switchboard.start(config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
