package dev.switchboard.transport.internal;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.Outlet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;

/**
 * Delivers envelopes to WebSocket connections: the text frame is encoded once, and each receiver gets a
 * retained duplicate of the same buffer (no copy), written on its own event loop.
 */
final class WebSocketOutlet implements Outlet {

    @Override
    public void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
        int n = receivers.size();
        if (n == 0) {
            return;
        }
        ByteBuf frame = WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload());
        try {
            for (int i = 0; i < n; i++) {
                ((WebSocketConnection) receivers.get(i)).write(frame.retainedDuplicate(), envelope.size());
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void deliver(Envelope envelope, Endpoint receiver) {
        ByteBuf frame = WebSocketFrames.text(ByteBufAllocator.DEFAULT, envelope.payload());
        ((WebSocketConnection) receiver).write(frame, envelope.size());
    }
}
