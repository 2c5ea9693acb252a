package dev.switchboard.transport.internal;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.Outlet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * Delivers envelopes to WebSocket connections: the text frame is encoded once per event loop, and each receiver
 * on that loop gets a retained duplicate of the same buffer (no copy). Receivers on the calling event loop are
 * written at once; those on other loops are handed over with one task per loop, not one per receiver, which
 * saves a task and often a wake-up syscall per delivery.
 *
 * <p>A frame is encoded on the loop that writes and releases it. Encoded by the caller (another loop, or a
 * cluster bus thread for messages from other nodes) and released on the receiver's loop, its memory went back
 * to another thread's pool, and Netty's pooled allocator then kept asking the JVM for fresh zeroed chunks:
 * several percent of a node's CPU on the cross-node path (BENCHMARKS.md).
 */
final class WebSocketOutlet implements Outlet {

    @Override
    public void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
        int n = receivers.size();
        if (n == 0) {
            return;
        }
        if (n == 1) {
            deliver(envelope, receivers.get(0));
            return;
        }
        ByteBuf frame = null;
        // Few loops (one per core): a short list of (loop, receivers) beats a map here.
        List<EventLoop> loops = null;
        List<List<WebSocketConnection>> groups = null;
        try {
            for (int i = 0; i < n; i++) {
                WebSocketConnection c = (WebSocketConnection) receivers.get(i);
                EventLoop loop = c.eventLoop();
                if (loop.inEventLoop()) {
                    if (frame == null) {
                        frame = WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload());
                    }
                    c.writeNow(frame.retainedDuplicate(), envelope.size(), envelope.isNotice());
                    continue;
                }
                if (loops == null) {
                    loops = new ArrayList<>(2);
                    groups = new ArrayList<>(2);
                }
                int g = loops.indexOf(loop);
                if (g < 0) {
                    loops.add(loop);
                    groups.add(new ArrayList<>(n));
                    g = loops.size() - 1;
                }
                groups.get(g).add(c);
            }
        } finally {
            if (frame != null) {
                frame.release();
            }
        }
        if (loops != null) {
            for (int g = 0; g < loops.size(); g++) {
                List<WebSocketConnection> group = groups.get(g);
                runOn(loops.get(g), () -> writeAll(envelope, group));
            }
        }
    }

    @Override
    public void deliver(Envelope envelope, Endpoint receiver) {
        WebSocketConnection c = (WebSocketConnection) receiver;
        EventLoop loop = c.eventLoop();
        if (loop.inEventLoop()) {
            c.writeNow(WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload()), envelope.size(),
                    envelope.isNotice());
        } else {
            runOn(loop, () -> c.writeNow(WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload()),
                    envelope.size(), envelope.isNotice()));
        }
    }

    /** On the receivers' loop: one frame for all of them. */
    private static void writeAll(Envelope envelope, List<WebSocketConnection> group) {
        ByteBuf frame = WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload());
        try {
            for (int i = 0; i < group.size(); i++) {
                group.get(i).writeNow(frame.retainedDuplicate(), envelope.size(), envelope.isNotice());
            }
        } finally {
            frame.release();
        }
    }

    /** Nothing is held yet, so a loop that has stopped (a delivery racing the server's shutdown) drops nothing. */
    private static void runOn(EventLoop loop, Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException stopped) {
            // the connection is closing with its loop
        }
    }
}
