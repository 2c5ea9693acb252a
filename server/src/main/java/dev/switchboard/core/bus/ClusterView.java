package dev.switchboard.core.bus;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * What a bus knows about the cluster's nodes, for the dashboard (docs/design/telemetry.md#the-dashboard): the
 * live nodes, when each last beat, and the short summary each reports about itself with its heartbeats. A bus
 * without other nodes does not implement it; the dashboard then shows this node alone.
 */
public interface ClusterView {

    /** This node's summary (a small JSON object), read at each heartbeat and published with it. */
    void report(Supplier<String> summary);

    /** Every live node, this one included, ordered by id. */
    CompletionStage<List<NodeSeen>> nodes();

    /**
     * A node as the cluster sees it.
     *
     * @param nodeId           its id
     * @param sinceBeatMillis  time since its last heartbeat, by the cluster's clock
     * @param summary          the JSON summary it published last, or null if none yet
     */
    record NodeSeen(String nodeId, long sinceBeatMillis, String summary) {
    }
}
