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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection after the upgrade: hands complete messages to its dialect session, answers control
 * frames, keeps the connection alive (or closes it when the peer stops answering pings), and writes what the
 * hub delivers to it. Everything runs on the channel's event loop. Its collaborators hold no per-connection
 * state, so an idle connection costs this object and its channel only: {@link PartialMessage} (a fragmented
 * message, only while one is open), {@link CloseHandshake} (close frames and codes), {@link OutboundCap} (the
 * slow-consumer rule, one per server), {@link FlushBatcher} (one flush per loop turn), {@link Utf8}.
 */
final class WebSocketConnection extends ChannelInboundHandlerAdapter implements Connection {
    private static final Logger log = LoggerFactory.getLogger(WebSocketConnection.class);
    /** A connection with unread notices is pinged about this many times before it reaches the limit. */
    private static final int NOTICES_PER_LIMIT_PING = 8;
    /**
     * A connection with this much written and not yet flushed is flushed at once, not at the end of the loop's
     * turn. A turn that works through a backlog (the node fell behind, or bursts arrived) runs many reads before
     * its tasks, on io_uring up to 128 rounds of completions: flushed only by the end-of-turn task, the copies
     * for a room's readers piled up in the node past the outbound cap while the readers' sockets had room, and
     * the readers were dropped as slow consumers (BENCHMARKS.md, "io_uring's lost deliveries"). At ordinary
     * loads a connection is written far less than this in a turn, so it still gets one flush per turn.
     */
    private static final int FLUSH_EARLY_BYTES = 64 * 1024;

    private final TransportContext context;
    private final Channel channel;
    private final String id;
    /** The client's address when a trusted proxy named another than the socket's peer; null otherwise. */
    private final String clientAddress;
    private DialectSession session;
    private DialectMeters meters;
    /** Frames that arrived before the handshake response was written (a client that did not wait). */
    private List<WebSocketFrame> early;
    /** Set by {@link FlushBatcher} while this connection waits for the loop's flush. */
    boolean flushPending;
    /** Bytes written since the last flush (see FLUSH_EARLY_BYTES). */
    private int unflushedBytes;
    /** Something (a pong or any frame) arrived since the last keepalive tick. */
    private boolean alive = true;
    private boolean closing;
    /** A check of a crossed outbound cap is scheduled (asynchronous-flush transports only; see OutboundCap). */
    private boolean capCheckPending;
    /** Why the connection ended, for the closes metric; null until known. */
    private String closeReason;
    /** A fragmented message being joined; null between messages. */
    private PartialMessage partial;
    private final int maxMessageBytes;
    /** The message budget's state (see MessageBudget): when this connection's budget is whole again. */
    private long budget;
    /** When this connection's reads were first paused for its budget in a row of pauses; 0 when it is calm. */
    private long throttledSince;
    /** Membership notices not yet acknowledged by its client; null until it is sent its first. */
    private UnreadNotices notices;

    WebSocketConnection(TransportContext context, Channel channel, Dialect dialect, String clientAddress) {
        this.context = context;
        this.channel = channel;
        this.id = context.nextId();
        this.clientAddress = clientAddress;
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
            if (context.config.messageBudget().enabled() && !withinBudget(frame.content().readableBytes())) {
                return;
            }
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                boolean binary = frame instanceof BinaryWebSocketFrame;
                if (frame.isFinalFragment()) {
                    onMessage(frame.content(), binary);
                } else {
                    // the decoder refuses a new message while one is open, so partial is null here
                    partial = new PartialMessage(channel.alloc(), frame.content(), binary, maxMessageBytes);
                    onFragment(frame);
                }
            } else if (frame instanceof ContinuationWebSocketFrame) {
                onFragment(frame); // the decoder refuses one outside a fragmented message
            } else if (frame instanceof PingWebSocketFrame) {
                // A pong only while the peer reads what it is sent: RFC 6455 §5.5.3 lets an endpoint answer only
                // the latest ping, and a peer that pings without reading must not queue pongs without bound.
                if (channel.isWritable()) {
                    channel.write(new PongWebSocketFrame(frame.content().retain()), channel.voidPromise());
                    FlushBatcher.of(channel.eventLoop()).markDirty(this);
                } else {
                    meters.refused("pong_not_sent");
                }
            } else if (frame instanceof PongWebSocketFrame) {
                if (notices != null) {
                    notices.pong(frame.content());
                }
            } else if (frame instanceof CloseWebSocketFrame close) {
                onClose(close);
            }
        } finally {
            frame.release();
        }
    }

    /**
     * Charges a frame (data or control) to the connection's message budget. Over it, reading pauses until the
     * budget is back, so the sender is slowed and its receivers are not flooded; a sender still over its budget
     * after the throttle limit is closed with 1008. The frame in hand is handled either way: it has been read.
     */
    private boolean withinBudget(int bytes) {
        var limit = context.config.messageBudget();
        long now = System.nanoTime();
        budget = limit.charge(budget, now, bytes);
        long over = limit.overBy(budget, now);
        throttledSince = limit.throttledSince(throttledSince, budget, now, over);
        if (over == 0) {
            return true;
        }
        if (limit.exhausted(throttledSince, now)) {
            closeWith(CloseHandshake.POLICY_VIOLATION, "Message rate exceeded", "rate_limited");
            if (channel.pipeline().get(DiscardInbound.class) == null) {
                channel.pipeline().addFirst(DiscardInbound.INSTANCE);
            }
            channel.config().setAutoRead(true); // read (and drop) the rest, so the close frame is not reset away
            return false;
        }
        if (channel.config().isAutoRead()) {
            meters.refused("throttled");
            channel.config().setAutoRead(false);
            channel.eventLoop().schedule(this::resumeReading, over, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private void resumeReading() {
        if (channel.isActive()) {
            channel.config().setAutoRead(true);
        }
    }

    private void onFragment(WebSocketFrame frame) {
        if (partial == null) {
            return; // the rest of a message already refused as too big
        }
        if (!partial.append(frame.content())) {
            dropPartial();
            closeTooBig();
            return;
        }
        if (frame.isFinalFragment()) {
            try {
                onMessage(partial.content(), partial.binary());
            } finally {
                dropPartial();
            }
        }
    }

    private void closeTooBig() {
        closeWith(CloseHandshake.TOO_BIG, "Max message size exceeded", "too_big");
    }

    private void dropPartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    private void onMessage(ByteBuf content, boolean binary) {
        if (closing) {
            return;
        }
        if (!binary && !Utf8.isValid(content)) {
            closeWith(CloseHandshake.INVALID_UTF8, "Invalid UTF-8", "protocol_error");
            return;
        }
        byte[] data = ByteBufUtil.getBytes(content);
        long start = System.nanoTime();
        try {
            session.onMessage(data, binary);
        } catch (RuntimeException e) {
            log.error("dialect failed on a message; closing connection {}", id, e);
            closeWith(CloseHandshake.INTERNAL_ERROR, "internal error", "internal_error");
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
        closeReason = close.statusCode() == -1 || CloseHandshake.sendable(close.statusCode()) ? "client" : "protocol_error";
        CloseHandshake.answer(channel, close);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        context.connections.remove(this);
        if (context.admission.countsAddresses()) {
            context.admission.released(clientInetAddress());
        }
        dropPartial();
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
        if (inflatedTooFar(cause)) {
            // permessage-deflate: the message would inflate past the largest message a dialect takes
            if (channel.pipeline().get(DiscardInbound.class) == null) {
                channel.pipeline().addFirst(DiscardInbound.INSTANCE);
            }
            dropPartial();
            closeTooBig();
        } else if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            // A frame the decoder refused (too big, bad opcode, unmasked...). Whatever the peer still sends is
            // dropped before the decoder, but read: the socket must not close with unread input, or the reset
            // can destroy our close frame before the peer reads it.
            if (channel.pipeline().get(DiscardInbound.class) == null) {
                channel.pipeline().addFirst(DiscardInbound.INSTANCE);
            }
            int code = CloseHandshake.codeFor(corrupted);
            if (code == CloseHandshake.TOO_BIG) {
                closeTooBig();
            } else {
                closeWith(code, CloseHandshake.reasonFor(corrupted), "protocol_error");
            }
        } else if (cause instanceof IOException) {
            channel.close(); // reset by peer and the like: nothing to tell anyone
        } else {
            log.warn("closing connection {} after an unexpected error", id, cause);
            closeWith(CloseHandshake.INTERNAL_ERROR, "internal error", "internal_error");
        }
    }

    private static boolean inflatedTooFar(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.netty.handler.codec.compression.DecompressionException) {
                return true;
            }
        }
        return false;
    }

    // ---- outbound ----

    /** Writes a complete frame; called from any thread, takes ownership of {@code frame}. */
    void write(ByteBuf frame, int payloadBytes) {
        write(frame, payloadBytes, false);
    }

    /** As {@link #write(ByteBuf, int)}; a {@code notice} is a membership notice (Envelope#notice). */
    void write(ByteBuf frame, int payloadBytes, boolean notice) {
        if (channel.eventLoop().inEventLoop()) {
            writeNow(frame, payloadBytes, notice);
        } else {
            handOver(channel.eventLoop(), frame, () -> writeNow(frame, payloadBytes, notice));
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
        writeNow(frame, payloadBytes, false);
    }

    /**
     * As {@link #writeNow(ByteBuf, int)}; a membership {@code notice} is counted until its client acknowledges it
     * by answering a ping, which follows every so many notices (UnreadNotices); a connection that falls too far
     * behind is dropped.
     */
    void writeNow(ByteBuf frame, int payloadBytes, boolean notice) {
        if (closing || !channel.isActive()) {
            frame.release();
            return;
        }
        int unreadLimit = context.config.maxUnreadNotices();
        if (notice && unreadLimit > 0) {
            if (notices == null) {
                notices = new UnreadNotices();
            }
            notices.add();
            if (notices.behind(unreadLimit, System.nanoTime()) && notices.startCheck()) {
                // decided at the loop's next turn, after its next read: a pong may be waiting unread behind the
                // writes this turn runs (a burst of joins), and a reader must not be dropped for the node's delay
                channel.eventLoop().schedule(this::checkNotices, 0, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        }
        if (!channel.isWritable()) {
            flushNow();
            if (!channel.isWritable() && context.outboundCap.overForGood(this)) {
                frame.release();
                dropSlowConsumer();
                return;
            }
        }
        int frameBytes = frame.readableBytes();
        channel.write(frame, channel.voidPromise());
        meters.sent(payloadBytes);
        if (notice && unreadLimit > 0) {
            ByteBuf ping = notices.pingIfDue(Math.max(1, unreadLimit / NOTICES_PER_LIMIT_PING), System.nanoTime());
            if (ping != null) {
                channel.write(new PingWebSocketFrame(ping), channel.voidPromise());
            }
        }
        unflushedBytes += frameBytes;
        if (unflushedBytes >= FLUSH_EARLY_BYTES) {
            flushNow(); // still marked below: what is written after this in the turn is flushed at its end
        }
        FlushBatcher.of(channel.eventLoop()).markDirty(this);
    }

    /** Marks a check of the crossed cap as scheduled; false if one already is. */
    boolean startCapCheck() {
        if (capCheckPending) {
            return false;
        }
        capCheckPending = true;
        return true;
    }

    /** The scheduled check ran: whether the connection is still open and still over the cap. */
    boolean endCapCheck() {
        capCheckPending = false;
        return !closing && channel.isActive() && !channel.isWritable();
    }

    /** Bytes waiting in this connection's outbound buffer; safe to read from any thread. */
    long queuedBytes() {
        var buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** What this connection makes the node buffer: bytes waiting for its peer and half a message from it. */
    long bufferedBytes() {
        PartialMessage open = partial;
        return queuedBytes() + (open == null ? 0 : open.content().capacity());
    }

    /** The node is over its buffer budget and this connection holds the most: dropped, as a slow consumer is. */
    void dropOverBudget() {
        if (closing || !channel.isActive()) {
            return;
        }
        closing = true;
        closeReason = "buffer_budget";
        log.info("dropping {} ({}): the node is over its buffer budget and it holds {} bytes", id, remoteAddress(),
                bufferedBytes());
        dropPartial();
        channel.close();
    }

    void flushNow() {
        unflushedBytes = 0;
        channel.flush();
    }

    /**
     * More than the outbound cap is waiting for a peer that does not read: drop the connection and everything
     * queued for it, so one slow reader cannot grow the server's memory. No close frame could get through.
     */
    void dropSlowConsumer() {
        closing = true;
        closeReason = "slow_consumer";
        log.info("dropping slow consumer {} ({}): over {} bytes waiting", id, remoteAddress(),
                context.outboundCap.capBytes());
        channel.close();
    }

    /**
     * This connection looked behind on its notices (UnreadNotices#behind) and its loop has read since: if it still
     * is, its client is not reading, and every join and leave in its room would cost one more write. Dropped as a
     * slow consumer is.
     */
    private void checkNotices() {
        notices.endCheck();
        if (closing || !channel.isActive() || !notices.behind(context.config.maxUnreadNotices(), System.nanoTime())) {
            return;
        }
        closing = true;
        closeReason = "behind_on_notices";
        log.info("dropping {} ({}): {} membership notices sent and not acknowledged", id, remoteAddress(),
                notices.unread());
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
        if (partial != null && partial.outlivedTick()) {
            // half a message pins its buffer: one that is not finished within a ping interval or two is dropped
            dropPartial();
            closeWith(CloseHandshake.POLICY_VIOLATION, "Message not completed in time", "incomplete_message");
            return;
        }
        alive = false;
        channel.write(new PingWebSocketFrame(notices == null ? Unpooled.EMPTY_BUFFER : notices.keepalivePayload(System.nanoTime())),
                channel.voidPromise());
        FlushBatcher.of(channel.eventLoop()).markDirty(this);
    }

    /**
     * Closes the connection with 1008 "token expired" at {@code deadline}, unless it closed before (the timer
     * goes with it then, so a closed connection is not held until its token would have expired).
     */
    void closeWhenExpired(java.time.Instant deadline) {
        long delay = Math.max(0, java.time.Duration.between(java.time.Instant.now(), deadline).toMillis());
        var expiry = channel.eventLoop().schedule(() -> closeWith(CloseHandshake.POLICY_VIOLATION, "token expired",
                "token_expired"), delay, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(closed -> expiry.cancel(false));
    }

    /** Starts the close handshake ({@code code} -1: a close frame without a status), once. */
    void closeWith(int code, String reason, String metricReason) {
        if (closing || !channel.isActive()) {
            return;
        }
        closing = true;
        closeReason = metricReason;
        CloseHandshake.start(channel, code, reason);
    }

    /** The client's address as the per-address limits counted it (see HttpRequestHandler#upgrade). */
    private java.net.InetAddress clientInetAddress() {
        if (clientAddress != null) {
            try {
                return java.net.InetAddress.getByName(clientAddress); // a literal address: no lookup
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
        return channel.remoteAddress() instanceof java.net.InetSocketAddress socket ? socket.getAddress() : null;
    }

    // ---- Connection, for dialects ----

    @Override
    public String id() {
        return id;
    }

    @Override
    public String remoteAddress() {
        return clientAddress != null ? clientAddress : String.valueOf(channel.remoteAddress());
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
    public boolean lost() {
        // no close handshake (reset, or closed under us), or the close was the keepalive's or the outbound cap's
        return closeReason == null || "ping_timeout".equals(closeReason) || "slow_consumer".equals(closeReason);
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public void refused(String reason) {
        meters.refused(reason);
    }

    @Override
    public void signaled(String room, String from, String to, dev.switchboard.metrics.Negotiations.Signal kind) {
        meters.negotiations().signal(room, from, to, kind);
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
