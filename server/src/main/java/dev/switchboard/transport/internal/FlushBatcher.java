package dev.switchboard.transport.internal;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * Flushes each written connection once per event-loop turn instead of once per message: writes made while the
 * loop processes a batch of reads are flushed together by one task queued behind that batch. This is the main
 * lever on CPU per delivered message (a flush is a syscall). Confined to its event loop.
 */
final class FlushBatcher {
    private static final FastThreadLocal<FlushBatcher> CURRENT = new FastThreadLocal<>();

    private final EventLoop loop;
    private final ArrayList<WebSocketConnection> dirty = new ArrayList<>();
    private final Runnable flushAll = this::flushAll;
    private boolean scheduled;

    private FlushBatcher(EventLoop loop) {
        this.loop = loop;
    }

    /** The batcher of the calling event loop. */
    static FlushBatcher of(EventLoop loop) {
        FlushBatcher batcher = CURRENT.get();
        if (batcher == null) {
            batcher = new FlushBatcher(loop);
            CURRENT.set(batcher);
        }
        return batcher;
    }

    void markDirty(WebSocketConnection connection) {
        if (connection.flushPending) {
            return;
        }
        connection.flushPending = true;
        dirty.add(connection);
        if (!scheduled) {
            scheduled = true;
            loop.execute(flushAll);
        }
    }

    private void flushAll() {
        scheduled = false;
        // Index loop: a flush can run listeners that write and mark more connections dirty.
        for (int i = 0; i < dirty.size(); i++) {
            WebSocketConnection c = dirty.get(i);
            c.flushPending = false;
            c.flushNow();
        }
        dirty.clear();
    }
}
