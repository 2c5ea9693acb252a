package dev.switchboard.transport;

/**
 * The Netty transport a node's connections run on. Only Linux has the native ones; asking for one that the
 * platform lacks fails the start with the reason, instead of quietly running on another.
 */
public enum IoTransport {
    /** epoll where available, else NIO. */
    AUTO,
    /** Linux epoll: one syscall per read and one per flush of a connection. */
    EPOLL,
    /**
     * Linux io_uring (and not disabled by {@code kernel.io_uring_disabled}): each loop submits its reads and
     * writes in batches, one syscall for many. Less CPU per delivered message at moderate load, a lower
     * ceiling at saturation (BENCHMARKS.md has both).
     */
    IO_URING,
    /** Java NIO: every platform. */
    NIO
}
