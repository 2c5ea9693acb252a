package dev.switchboard.core.bus;

/**
 * How the bus sees the cluster right now.
 *
 * @param kind       "memory" or "redis"
 * @param connected  whether the cluster is reachable (always true for the in-memory bus)
 * @param nodes      live nodes known, this one included
 * @param hopMillis  the last measured time for a message to cross the bus and come back (a publish on this
 *                   node's channel until it is received), i.e. the cross-node latency; 0 for the in-memory bus
 * @param subscriptionsLost times the cluster closed this node's subscription while staying reachable itself (a
 *                   node too far behind on its reads): the cross-node messages waiting for it were lost; 0 for
 *                   the in-memory bus
 */
public record BusStatus(String kind, boolean connected, int nodes, double hopMillis, long subscriptionsLost) {
}
