package dev.switchboard.transport.internal;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.Outlet;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.metrics.DialectMeters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection after the upgrade: hands complete messages to its dialect session, answers control
 * frames, keeps the connection alive (or closes it when the peer stops answering pings), and writes what the
 * hub delivers to it with the slow-consumer cap applied. Everything runs on the channel's event loop.
 */
final class WebSocketConnection extends ChannelInboundHandlerAdapter implements Connection {
    private static final Logger log = LoggerFactory.getLogger(WebSocketConnection.class);

    /** How long a close handshake this side started may wait for the peer's answer. */
    private static final long CLOSE_HANDSHAKE_MILLIS = 1000;
    /**
     * Where a flush only queues the write for the loop to submit later (io_uring), a burst can pass the
     * outbound cap before the kernel was offered any of it, so there the cap means: still over it this long
     * after it was crossed, or over {@link #ASYNC_FLUSH_HARD_CAP} times it at any moment.
     */
    private static final long ASYNC_FLUSH_GRACE_MILLIS = 1000;
    private static final int ASYNC_FLUSH_HARD_CAP = 4;

    private final TransportContext context;
    private final Channel channel;
    private final String id;
    private DialectSession session;
    private DialectMeters meters;
    /** Frames that arrived before the handshake response was written (a client that did not wait). */
    private List<WebSocketFrame> early;
    /** Set by {@link FlushBatcher} while this connection waits for the loop's flush. */
    boolean flushPending;
    /** Something (a pong or any frame) arrived since the last keepalive tick. */
    private boolean alive = true;
    private boolean closing;
    /** A check of a crossed outbound cap is scheduled (asynchronous-flush transports only). */
    private boolean capCheckPending;
    /** Why the connection ended, for the closes metric; null until known. */
    private String closeReason;
    /**
     * A fragmented message being joined (RFC 6455 §5.4), null between messages. Joined here rather than by
     * Netty's aggregator handler, which with its pipeline context cost ~110 bytes per idle connection.
     */
    private ByteBuf fragments;
    private boolean fragmentsBinary;
    private final int maxMessageBytes;

    WebSocketConnection(TransportContext context, Channel channel, Dialect dialect) {
        this.context = context;
        this.channel = channel;
        this.id = context.nextId();
        this.maxMessageBytes = dialect.maxMessageBytes();
        this.meters = context.metrics.dialect(dialect.name());
        meters.opened();
    }

    /** Opens the dialect session once the handshake response is on the wire. On the event loop. */
    void start(Dialect dialect, Handshake handshake) {
        if (!channel.isActive()) {
            return;
        }
        context.connections.add(this);
        session = dialect.open(this, handshake);
        if (early != null) {
            List<WebSocketFrame> frames = early;
            early = null;
            for (WebSocketFrame f : frames) {
                channelRead(null, f);
            }
        }
    }

    // ---- inbound ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (session == null && !(frame instanceof CloseWebSocketFrame)) {
            if (early == null) {
                early = new ArrayList<>(2);
            }
            early.add(frame);
            return;
        }
        try {
            alive = true;
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                boolean binary = frame instanceof BinaryWebSocketFrame;
                if (frame.isFinalFragment()) {
                    onMessage(frame.content(), binary);
                } else {
                    // the decoder refuses a new message while one is open, so fragments is null here
                    fragments = channel.alloc().heapBuffer(Math.min(2 * frame.content().readableBytes(),
                            maxMessageBytes));
                    fragmentsBinary = binary;
                    onFragment(frame);
                }
            } else if (frame instanceof ContinuationWebSocketFrame) {
                onFragment(frame); // the decoder refuses one outside a fragmented message
            } else if (frame instanceof PingWebSocketFrame) {
                channel.write(new PongWebSocketFrame(frame.content().retain()), channel.voidPromise());
                FlushBatcher.of(channel.eventLoop()).markDirty(this);
            } else if (frame instanceof CloseWebSocketFrame close) {
                onClose(close);
            }
        } finally {
            frame.release();
        }
    }

    private void onFragment(WebSocketFrame frame) {
        if (fragments == null) {
            return; // the rest of a message already refused as too big
        }
        ByteBuf content = frame.content();
        if (fragments.readableBytes() + content.readableBytes() > maxMessageBytes) {
            dropFragments();
            closeTooBig();
            return;
        }
        fragments.writeBytes(content);
        if (frame.isFinalFragment()) {
            try {
                onMessage(fragments, fragmentsBinary);
            } finally {
                dropFragments();
            }
        }
    }

    private void closeTooBig() {
        closeWith(1009, "Max message size exceeded", "too_big");
    }

    private void dropFragments() {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }

    private void onMessage(ByteBuf content, boolean binary) {
        if (closing) {
            return;
        }
        if (!binary && !Utf8.isValid(content)) {
            closeWith(1007, "Invalid UTF-8", "protocol_error");
            return;
        }
        byte[] data = ByteBufUtil.getBytes(content);
        long start = System.nanoTime();
        try {
            session.onMessage(data, binary);
        } catch (RuntimeException e) {
            log.error("dialect failed on a message; closing connection {}", id, e);
            closeWith(1011, "internal error", "internal_error");
            return;
        }
        context.metrics.relayed(System.nanoTime() - start);
        meters.received(data.length); // after dispatch: a shared path's first message picks the dialect
    }

    private void onClose(CloseWebSocketFrame close) {
        if (closing) {
            channel.close(); // the peer answered our close
            return;
        }
        closing = true;
        closeReason = "client";
        int code = close.statusCode();
        CloseWebSocketFrame echo = code == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
        channel.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        context.connections.remove(this);
        dropFragments();
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
        if (session != null) {
            try {
                session.onClose();
            } catch (RuntimeException e) {
                log.error("dialect failed on close of connection {}", id, e);
            }
        }
        meters.closed();
        context.metrics.closed(closeReason == null ? "disconnect" : closeReason);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            // A frame the decoder refused (too big, bad opcode, unmasked...). Whatever the peer still sends is
            // dropped before the decoder, but read: the socket must not close with unread input, or the reset
            // can destroy our close frame before the peer reads it.
            if (channel.pipeline().get(DiscardInbound.class) == null) {
                channel.pipeline().addFirst(DiscardInbound.INSTANCE);
            }
            int code = corrupted.closeStatus() == null ? 1002 : corrupted.closeStatus().code();
            if (code == 1009) {
                closeTooBig();
            } else {
                String why = corrupted.getMessage();
                // a close frame's reason must fit in its 125-byte payload; Netty's are short, but say so
                closeWith(code, why == null || why.length() > 100 ? "Protocol error" : why, "protocol_error");
            }
        } else if (cause instanceof IOException) {
            channel.close(); // reset by peer and the like: nothing to tell anyone
        } else {
            log.warn("closing connection {} after an unexpected error", id, cause);
            closeWith(1011, "internal error", "internal_error");
        }
    }

    // ---- outbound ----

    /** Writes a complete frame; called from any thread, takes ownership of {@code frame}. */
    void write(ByteBuf frame, int payloadBytes) {
        if (channel.eventLoop().inEventLoop()) {
            writeNow(frame, payloadBytes);
        } else {
            handOver(channel.eventLoop(), frame, () -> writeNow(frame, payloadBytes));
        }
    }

    /**
     * Runs {@code task}, which takes ownership of {@code held}, on another connection's loop; releases
     * {@code held} instead if that loop has already stopped (a delivery racing the server's shutdown).
     */
    static void handOver(EventLoop loop, ByteBuf held, Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException stopped) {
            held.release();
        }
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** Writes a complete frame; on the channel's event loop only. Takes ownership of {@code frame}. */
    void writeNow(ByteBuf frame, int payloadBytes) {
        if (closing || !channel.isActive()) {
            frame.release();
            return;
        }
        if (!channel.isWritable()) {
            flushNow();
            if (!channel.isWritable() && overCapForGood()) {
                frame.release();
                dropSlowConsumer();
                return;
            }
        }
        channel.write(frame, channel.voidPromise());
        meters.sent(payloadBytes);
        FlushBatcher.of(channel.eventLoop()).markDirty(this);
    }

    /**
     * Over the outbound cap after a flush: with a synchronous flush the kernel has just refused the rest, so
     * the peer is not keeping up. With an asynchronous one, only the hard cap decides at once; otherwise
     * a check after a grace period does.
     */
    private boolean overCapForGood() {
        if (context.transport.flushIsSynchronous()
                || queuedBytes() > (long) ASYNC_FLUSH_HARD_CAP * context.config.maxOutboundBytes()) {
            return true;
        }
        if (!capCheckPending) {
            capCheckPending = true;
            channel.eventLoop().schedule(() -> {
                capCheckPending = false;
                if (!closing && channel.isActive() && !channel.isWritable()) {
                    dropSlowConsumer();
                }
            }, ASYNC_FLUSH_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
        return false;
    }

    /** Bytes waiting in this connection's outbound buffer; safe to read from any thread. */
    long queuedBytes() {
        var buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    void flushNow() {
        channel.flush();
    }

    /**
     * More than the outbound cap is waiting for a peer that does not read: drop the connection and everything
     * queued for it, so one slow reader cannot grow the server's memory. No close frame could get through.
     */
    private void dropSlowConsumer() {
        closing = true;
        closeReason = "slow_consumer";
        log.info("dropping slow consumer {} ({}): over {} bytes waiting", id, channel.remoteAddress(),
                context.config.maxOutboundBytes());
        channel.close();
    }

    /** One keepalive tick: ping, or close if the previous ping went unanswered and nothing else arrived. */
    void keepaliveTick() {
        if (closing || !channel.isActive() || session == null) {
            return;
        }
        if (!alive) {
            closeWith(-1, null, "ping_timeout");
            return;
        }
        alive = false;
        channel.write(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER), channel.voidPromise());
        FlushBatcher.of(channel.eventLoop()).markDirty(this);
    }

    /** Sends a close frame ({@code code} -1: without a status, as the upstream y-webrtc server does) and closes. */
    void closeWith(int code, String reason, String metricReason) {
        if (closing || !channel.isActive()) {
            return;
        }
        closing = true;
        closeReason = metricReason;
        CloseWebSocketFrame frame = code == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, reason);
        // Wait for the peer's close frame (RFC 6455 §7.1.1) rather than closing at once: closing a socket with
        // unread input resets it, and a reset can destroy the close frame before the peer reads it.
        channel.writeAndFlush(frame).addListener((ChannelFutureListener) written -> {
            if (!written.isSuccess()) {
                channel.close();
            } else {
                channel.eventLoop().schedule(() -> {
                    channel.close();
                }, CLOSE_HANDSHAKE_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
    }

    // ---- Connection, for dialects ----

    @Override
    public String id() {
        return id;
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(channel.remoteAddress());
    }

    @Override
    public Outlet outlet() {
        return context.outlet;
    }

    @Override
    public void send(byte[] utf8Text) {
        context.outlet.deliver(Envelope.of(utf8Text), this);
    }

    @Override
    public void close(int code, String reason) {
        execute(() -> closeWith(code, reason, "server_" + code));
    }

    @Override
    public boolean isOpen() {
        return !closing && channel.isActive();
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public void dialect(String name) {
        DialectMeters next = context.metrics.dialect(name);
        if (next != meters) {
            meters.closed();
            meters = next;
            meters.opened();
        }
    }
}
