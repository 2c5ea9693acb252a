package dev.switchboard.limits;

/**
 * How many connections a node takes, in all and from one address (docs/design/limits.md#connections).
 *
 * @param maxConnections        TCP connections open at once on the WebSocket/HTTP port; past it, 503 at accept
 * @param maxPerAddress         WebSockets open at once from one client address (an IPv6 client: its /64); 0 is
 *                              no limit
 * @param upgradesPerSecond     new WebSockets per second from one address, with a burst of ten seconds' worth;
 *                              0 is no limit
 */
public record ConnectionLimits(int maxConnections, int maxPerAddress, int upgradesPerSecond) {
    /** No limit but the one a process has anyway. */
    public static final ConnectionLimits NONE = new ConnectionLimits(Integer.MAX_VALUE, 0, 0);

    public ConnectionLimits {
        if (maxConnections < 1 || maxPerAddress < 0 || upgradesPerSecond < 0) {
            throw new IllegalArgumentException("maxConnections must be at least 1, the others at least 0");
        }
    }

    /**
     * The connection limit when none is configured: 90% of the process's descriptor limit, so that a flood of
     * connections leaves descriptors for the operations port, Redis and the log (at most 1,000 kept back).
     */
    public static int fromDescriptorLimit() {
        long fds = -1;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            fds = unix.getMaxFileDescriptorCount();
        }
        if (fds <= 0) {
            return Integer.MAX_VALUE;
        }
        long kept = Math.min(1000, Math.max(32, fds / 10));
        return (int) Math.max(16, Math.min(Integer.MAX_VALUE, fds - kept));
    }
}
