package dev.switchboard.bench;

import dev.switchboard.bench.internal.ClientBootstrap;
import dev.switchboard.bench.internal.ClientFrames;
import dev.switchboard.bench.internal.PeerHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Connections that join and leave all the time beside a load run, as a soak needs: {@code --churn} new y-webrtc
 * connections a second, each subscribing (confirmed by the pong after it) and leaving {@link #LIFE} later. Every
 * other one joins one of the run's rooms (so the measured peers' rooms gain and lose members), the rest a room of
 * their own that exists only while they are in it (so rooms are made and dropped all the time); every other one
 * leaves with a close frame, the rest by closing the socket. They only listen: what they receive is not counted,
 * so the measured deliveries still add up exactly. All bookkeeping runs on one event loop.
 */
final class Churn {
    /** How long each churning connection stays. */
    static final long LIFE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long TICK_MILLIS = 100;
    private static final int PENDING = 0;
    private static final int JOINED = 1;
    private static final int CUT = 2;
    private static final byte[] PONG = "\"pong\"".getBytes(StandardCharsets.US_ASCII);

    private final BenchOptions options;
    private final EventLoop loop;
    private final EventLoopGroup group;
    private final boolean epoll;
    /** Open or opening, oldest first; touched only on {@link #loop}. */
    private final ArrayDeque<Member> live = new ArrayDeque<>();
    private final Histogram joinLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong joined = new AtomicLong();
    private final AtomicLong left = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Closed by the generator before their join was confirmed (their time was up): a slow node, not a failure. */
    private final AtomicLong cut = new AtomicLong();
    private final AtomicLong errors;
    private long started;
    private long seq;
    private ScheduledFuture<?> task;

    Churn(BenchOptions options, EventLoopGroup group, boolean epoll, AtomicLong errors) {
        this.options = options;
        this.loop = (EventLoop) group.next();
        this.errors = errors;
        this.group = group;
        this.epoll = epoll;
    }

    /** Starts opening and closing connections. */
    void start() {
        loop.execute(() -> {
            started = System.nanoTime();
            task = loop.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private void tick() {
        long now = System.nanoTime();
        while (!live.isEmpty() && now - live.peekFirst().openedAt >= LIFE_NANOS) {
            live.pollFirst().leave();
        }
        long due = (now - started) * options.churn() / TimeUnit.SECONDS.toNanos(1) + 1;
        while (seq < due) {
            open(seq++);
        }
    }

    private void open(long n) {
        URI target = options.targets().get((int) (n % options.targets().size()));
        String room = n % 2 == 0 ? "r" + (n / 2 % options.rooms()) : "churn-" + n;
        Member m = new Member(room, n % 4 < 2);
        live.addLast(m);
        opened.incrementAndGet();
        String host = target.getHost() + ":" + target.getPort();
        Bootstrap b = ClientBootstrap.of(group, epoll,
                ch -> ch.pipeline().addLast(new PeerHandler(host, ClientBootstrap.path(target), m)));
        InetSocketAddress remote = new InetSocketAddress(target.getHost(), target.getPort());
        List<InetAddress> sources = options.sourceAddresses();
        var future = sources.isEmpty() ? b.connect(remote)
                : b.connect(remote, new InetSocketAddress(sources.get((int) (n % sources.size())), 0));
        m.channel = future.channel();
        future.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                m.closed("connect failed: " + f.cause());
            }
        });
    }

    /**
     * Stops opening, waits (bounded) until every connection still opening has joined or failed, then closes
     * them all: afterwards every connection opened has either joined and left or failed.
     */
    void stop() throws InterruptedException {
        loop.submit(() -> {
            if (task != null) {
                task.cancel(false);
            }
        }).await(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (joined.get() + failed.get() + cut.get() < opened.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        loop.submit(() -> {
            while (!live.isEmpty()) {
                live.pollFirst().leave();
            }
        }).await(5, TimeUnit.SECONDS);
    }

    BenchReport.Churn report() {
        return new BenchReport.Churn(options.churn(), LIFE_NANOS / 1e9, opened.get(), joined.get(), left.get(),
                cut.get(), failed.get(), joinLatency.getValueAtPercentile(50) / 1000.0,
                joinLatency.getValueAtPercentile(99) / 1000.0);
    }

    /** One churning connection: subscribes, confirms with a ping, listens, leaves when told. */
    private final class Member implements PeerHandler.Listener {
        final String room;
        final boolean closeFrame;
        final long openedAt = System.nanoTime();
        /** Set as the connect starts, so that one still connecting when its time is up can be closed too. */
        Channel channel;
        volatile ChannelHandlerContext ctx;
        volatile boolean hasJoined;
        /** {@link #PENDING} until the join is confirmed ({@link #JOINED}) or the time is up first ({@link #CUT}). */
        final AtomicInteger outcome = new AtomicInteger(PENDING);
        volatile boolean leaving;
        volatile boolean done;

        Member(String room, boolean closeFrame) {
            this.room = room;
            this.closeFrame = closeFrame;
        }

        @Override
        public void open(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            ctx.write(ClientFrames.text(ctx.alloc(), "{\"type\":\"subscribe\",\"topics\":[\"" + room + "\"]}"));
            // y-webrtc does not answer a subscribe; the pong, answered in order after it, says it was done
            ctx.writeAndFlush(ClientFrames.text(ctx.alloc(), "{\"type\":\"ping\"}"));
        }

        @Override
        public void text(ByteBuf payload) {
            if (!hasJoined && ByteBufUtil.indexOf(Unpooled.wrappedBuffer(PONG), payload) >= 0
                    && outcome.compareAndSet(PENDING, JOINED)) {
                hasJoined = true;
                joinLatency.recordValue(Math.max(0, System.nanoTime() - openedAt));
                joined.incrementAndGet();
            }
        }

        @Override
        public void readComplete() {
        }

        /**
         * Leaves (on {@link #loop}). One still connecting or upgrading (a slow node) is closed as it is and counted
         * as cut; one that already failed is only forgotten.
         */
        void leave() {
            if (done) {
                return;
            }
            leaving = true;
            if (outcome.compareAndSet(PENDING, CUT)) { // not joined yet: closed as it is
                cut.incrementAndGet();
                channel.close();
                return;
            }
            ChannelHandlerContext c = ctx; // joined, so open
            left.incrementAndGet();
            if (closeFrame) {
                c.writeAndFlush(ClientFrames.close(c.alloc())).addListener(ChannelFutureListener.CLOSE);
            } else {
                c.close();
            }
        }

        @Override
        public void closed(String why) {
            if (done) {
                return;
            }
            done = true;
            if (!leaving) { // the server closed it, or it never opened
                failed.incrementAndGet();
                if (errors.incrementAndGet() <= 10) {
                    System.err.println("churn connection to " + room + ": " + why);
                }
            }
        }
    }
}
