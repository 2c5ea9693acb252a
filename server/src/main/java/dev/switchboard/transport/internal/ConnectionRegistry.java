package dev.switchboard.transport.internal;

import dev.switchboard.metrics.Metrics;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The open WebSocket connections of a server: for keepalive sweeps and for closing them all on shutdown. */
public final class ConnectionRegistry {
    private final Set<WebSocketConnection> open = ConcurrentHashMap.newKeySet();

    private final BufferBudget budget;

    ConnectionRegistry(Metrics metrics, long bufferBudgetBytes) {
        this.budget = new BufferBudget(bufferBudgetBytes);
        metrics.gauge("switchboard.buffered.bytes", "Bytes the connections make the node hold (queued outbound and "
                + "half-received messages), as the node-wide buffer budget last counted them", budget::lastTotal);
        metrics.gauge("switchboard.websockets", "Open WebSocket connections, all dialects", open::size);
        metrics.gauge("switchboard.outbound.queued.bytes", "Bytes written to connections and not yet taken by the kernel",
                this::queuedBytes);
    }

    /** Bytes queued for all connections and not yet handed to the kernel: what slow readers cost the heap. */
    public long queuedBytes() {
        long total = 0;
        for (WebSocketConnection c : open) {
            total += c.queuedBytes();
        }
        return total;
    }

    void add(WebSocketConnection c) {
        open.add(c);
    }

    void remove(WebSocketConnection c) {
        open.remove(c);
    }

    public int size() {
        return open.size();
    }

    /** Drops the heaviest connections while the node is over its buffer budget. */
    void checkBudget() {
        budget.check(open);
    }

    /** One keepalive tick for every connection, each run on its own event loop. */
    public void sweep() {
        for (WebSocketConnection c : open) {
            c.execute(c::keepaliveTick);
        }
    }

    /** Starts the close handshake on every connection. */
    public void closeAll(int code, String reason, String metricReason) {
        for (WebSocketConnection c : open) {
            c.execute(() -> c.closeWith(code, reason, metricReason));
        }
    }
}
