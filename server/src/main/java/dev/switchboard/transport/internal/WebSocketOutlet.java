package dev.switchboard.transport.internal;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.Outlet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * Delivers envelopes to WebSocket connections: the text frame is encoded once, and each receiver gets a
 * retained duplicate of the same buffer (no copy). Receivers on the calling event loop are written at once;
 * those on other loops are handed over with one task per loop, not one per receiver, which saves a task and
 * often a wake-up syscall per delivery.
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
        int size = envelope.size();
        boolean notice = envelope.isNotice();
        ByteBuf frame = WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload());
        try {
            // Few loops (one per core): a short list of (loop, receivers) beats a map here.
            List<EventLoop> loops = null;
            List<List<WebSocketConnection>> groups = null;
            for (int i = 0; i < n; i++) {
                WebSocketConnection c = (WebSocketConnection) receivers.get(i);
                EventLoop loop = c.eventLoop();
                if (loop.inEventLoop()) {
                    c.writeNow(frame.retainedDuplicate(), size, notice);
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
            if (loops != null) {
                for (int g = 0; g < loops.size(); g++) {
                    List<WebSocketConnection> group = groups.get(g);
                    ByteBuf shared = frame.retainedDuplicate();
                    WebSocketConnection.handOver(loops.get(g), shared, () -> {
                        try {
                            for (int i = 0; i < group.size(); i++) {
                                group.get(i).writeNow(shared.retainedDuplicate(), size, notice);
                            }
                        } finally {
                            shared.release();
                        }
                    });
                }
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void deliver(Envelope envelope, Endpoint receiver) {
        ByteBuf frame = WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload());
        ((WebSocketConnection) receiver).write(frame, envelope.size(), envelope.isNotice());
    }
}
