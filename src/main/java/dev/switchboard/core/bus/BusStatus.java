package dev.switchboard.core.bus;

/**
 * How the bus sees the cluster right now.
 *
 * @param kind       "memory" or "redis"
 * @param connected  whether the cluster is reachable (always true for the in-memory bus)
 * @param nodes      live nodes known, this one included
 */
public record BusStatus(String kind, boolean connected, int nodes) {
}
