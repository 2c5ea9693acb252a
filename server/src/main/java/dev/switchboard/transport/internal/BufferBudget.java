package dev.switchboard.transport.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-wide budget for what clients make the node buffer (docs/design/limits.md#the-node-wide-buffer-budget):
 * bytes queued for connections that have not read them, and half-received fragmented messages. Each
 * connection's own cap bounds one client; this bounds many together (3,000 clients that each stay just under
 * their cap). Checked on a timer; past the budget the heaviest connections are dropped first, until what they
 * hold covers the excess. One per server.
 */
final class BufferBudget {
    private static final Logger log = LoggerFactory.getLogger(BufferBudget.class);

    private final long budgetBytes;
    /** What the connections held at the last check, for the gauge. */
    private volatile long lastTotal;

    BufferBudget(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    long lastTotal() {
        return lastTotal;
    }

    /** One check: sums what every connection holds and drops the heaviest while the node is over its budget. */
    void check(Iterable<WebSocketConnection> open) {
        long total = 0;
        for (WebSocketConnection c : open) {
            total += c.bufferedBytes();
        }
        lastTotal = total;
        if (total <= budgetBytes) {
            return;
        }
        List<WebSocketConnection> heavy = new ArrayList<>();
        for (WebSocketConnection c : open) {
            if (c.bufferedBytes() > 0) {
                heavy.add(c);
            }
        }
        heavy.sort(Comparator.comparingLong(WebSocketConnection::bufferedBytes).reversed());
        // down to 90% of the budget, so the next few writes do not put the node straight back over it
        long excess = total - budgetBytes / 10 * 9;
        int dropped = 0;
        for (WebSocketConnection c : heavy) {
            if (excess <= 0) {
                break;
            }
            excess -= c.bufferedBytes();
            c.execute(c::dropOverBudget);
            dropped++;
        }
        log.warn("node over its buffer budget ({} bytes held, budget {}): dropping the {} heaviest connections",
                total, budgetBytes, dropped);
    }
}
