package dev.switchboard.bench;

import dev.switchboard.bench.internal.BenchDialect;
import dev.switchboard.bench.internal.ClientBootstrap;
import dev.switchboard.bench.internal.ClientTls;
import dev.switchboard.bench.internal.ClientFrames;
import dev.switchboard.bench.internal.PeerHandler;
import dev.switchboard.bench.internal.ServerProbe;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;

/**
 * The load generator for the y-webrtc dialect: rooms of peers that all subscribe and publish, open loop at a
 * fixed rate or closed loop with a window, with warm-up, a measured phase and a drain. Each message carries
 * the time it was due (open loop) or sent (closed loop), so every receiver measures its latency; all peers
 * live in this process, so one clock serves both ends. Each event loop keeps its own counters and
 * histograms (no sharing on the hot path). With several targets the peers are spread over them.
 */
public final class LoadGenerator {
    /** Send times are written as 16 fixed digits: offset from the run's start plus this, never negative. */
    private static final long TIME_BIAS = 1_000_000_000_000_000L;
    private static final int PHASE_IDLE = 0;
    private static final int PHASE_WARMUP = 1;
    private static final int PHASE_MEASURE = 2;
    private static final int PHASE_STOPPED = 3;
    /** Open loop: how often each event loop sends what has fallen due (messages go out in small batches). */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final BenchOptions options;
    private final BenchDialect dialect;
    /** The targets (nodes); peer {@code i} connects to target {@code i % nodes}. */
    private final int nodes;
    private final long base = System.nanoTime();
    private final Map<EventLoop, LoopState> loops = new IdentityHashMap<>();
    /** The current storm's (or run's) peers, by index; set by the event loops as they start them. */
    private List<Peer> peers = List.of();
    private final AtomicLong errors = new AtomicLong();
    /** Counts down once per peer whose join the server confirmed (or that failed). */
    private CountDownLatch joinedCount;
    private volatile int phase = PHASE_IDLE;
    /**
     * The digit every message carries to say which phase sent it: '1' before the measured phase, '0' during it.
     * The hot paths index {@link LoopState#stats} with it instead of branching on the phase, so the code the
     * JIT compiled during warm-up stays valid when measuring starts (a branch that flips there deoptimizes the
     * hot path and recompiles it inside the measured phase, on the generator's only core).
     */
    private volatile byte phaseDigit = '1';
    /** Connections opened per second (TCP, TLS with wss://, the upgrade), and the server's CPU per one. */
    private double connectRate = -1;
    private double serverCpuPerConnect = -1;
    /** Connections joining and leaving beside the load ({@code --churn}); null without. */
    private Churn churn;

    private LoadGenerator(BenchOptions options) {
        this.options = options;
        this.dialect = BenchDialect.of(options.dialect());
        this.nodes = options.targets().size();
    }

    public static BenchReport run(BenchOptions options) throws InterruptedException {
        if (options.rehome()) {
            return RehomeRun.run(options);
        }
        return options.grpc() ? GrpcRun.run(options) : new LoadGenerator(options).execute();
    }

    /** Counters and latencies of the messages one phase sent, at one event loop. */
    private static final class PhaseStats {
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final Histogram sendLag = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        /** Latency from when each message was due (the relay's plus the generator's lateness). */
        final Histogram scheduled = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long sent;
        long delivered;
    }

    /** The peers of one event loop and their counters; touched only by that loop. */
    private static final class LoopState {
        final List<Peer> peers = new ArrayList<>();
        /**
         * Indexed by a message's phase digit: [0] the measured phase, [1] warm-up (counted, then dropped). Sends,
         * and deliveries from a sender connected to the receiver's own node.
         */
        final PhaseStats[] stats = {new PhaseStats(), new PhaseStats()};
        /** Deliveries from a sender connected to another node: they crossed the bus. */
        final PhaseStats[] cross = {new PhaseStats(), new PhaseStats()};
        /** From starting a connection to its confirmed join. */
        final Histogram handshake = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long lastJoined;
        /** Open loop: when the first tick is due; ticks follow every {@link #TICK_NANOS}. */
        long gridStart;

        /** Messages sent in the measured phase. */
        long measuredSent() {
            return stats[0].sent;
        }

        /** Deliveries of measured-phase messages, local and cross-node. */
        long measuredDelivered() {
            return stats[0].delivered + cross[0].delivered;
        }

        /** The first tick at or after {@code slot}: when a message for that slot is due. */
        long due(long slot) {
            long k = Math.max(0, slot - gridStart + TICK_NANOS - 1) / TICK_NANOS;
            return gridStart + k * TICK_NANOS;
        }
    }

    private final class Peer implements PeerHandler.Listener, BenchDialect.Peer {
        final int index;
        final String room;
        /** The target (node) this peer is connected to. */
        final int node;
        long connectStarted;
        boolean joined;
        byte[] template;
        int wAt;
        int tAt;
        /** Whether the peer can send: joined, and (except y-webrtc) knows its target. */
        volatile boolean ready;
        final Connector connector;
        /** The loop the peer's connection lives on, and its slot among the connections being opened. */
        final EventLoop loop;
        volatile Channel channel;
        ChannelHandlerContext ctx;
        LoopState state;
        long nextSend;
        boolean closed;
        boolean flushPending;

        Peer(int index, String room, Connector connector, EventLoop loop) {
            this.index = index;
            this.room = room;
            this.node = index % nodes;
            this.connector = connector;
            this.loop = loop;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public String room() {
            return room;
        }

        @Override
        public void send(String frame) {
            ctx.writeAndFlush(ClientFrames.text(ctx.alloc(), frame));
        }

        @Override
        public void ready(String head, String tail) {
            template(head, tail);
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void joined() {
            if (!joined && state != null) {
                joined = true;
                long now = System.nanoTime();
                state.handshake.recordValue(Math.max(0, now - connectStarted));
                state.lastJoined = Math.max(state.lastJoined, now);
                connector.joined.countDown();
            }
        }

        @Override
        public void fail(String why) {
            closed(why);
        }

        /** The message this peer sends: {@code head} + {"f":…,"w":…,"t":…,"l":…,"p":"…"} + {@code tail}. */
        void template(String head, String tail) {
            String start = head + "{\"f\":" + index + ",\"w\":";
            String mid = "1,\"t\":" + "0".repeat(16) + ",\"l\":1" + "0".repeat(6) + ",\"p\":\"";
            String end = "\"}" + tail;
            int pad = Math.max(0, options.payloadBytes() - start.length() - mid.length() - end.length());
            template = (start + mid + "x".repeat(pad) + end).getBytes(StandardCharsets.US_ASCII);
            wAt = start.length();
            tAt = start.length() + 6;
            ready = true;
        }

        /** A dialect's control frame (login answer, peer notices): its dialect learns from it. */
        void control(ByteBuf payload) {
            JsonNode m;
            try {
                m = CONTROL.readTree(payload.toString(StandardCharsets.UTF_8));
            } catch (java.io.IOException | RuntimeException notJson) {
                return; // nothing to learn
            }
            dialect.control(this, m, options.peersPerRoom());
        }

        @Override
        public void open(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.state = loops.get(ctx.channel().eventLoop());
            state.peers.add(this);
            dialect.opened(this);
            connector.launch(loop); // this peer's slot is free: the next connection, on this loop, at once
            connector.opened.countDown();
        }

        /**
         * Writes one publish (not flushed), stamped with when it was due ({@code stamp}) and how late it
         * went ({@code lagNanos}, written in microseconds), so a receiver can tell the relay's share of the
         * latency from the generator's.
         */
        void send(long stamp, long lagNanos, byte digit) {
            template[wAt] = digit;
            long t = stamp - base + TIME_BIAS;
            for (int i = tAt + 15; i >= tAt; i--) {
                template[i] = (byte) ('0' + (t % 10));
                t /= 10;
            }
            long lag = Math.min(999_999, lagNanos / 1000); // after a fixed 1: JSON numbers have no leading zeros
            for (int i = tAt + 16 + 5 + 6; i >= tAt + 16 + 5 + 1; i--) {
                template[i] = (byte) ('0' + (lag % 10));
                lag /= 10;
            }
            ctx.write(ClientFrames.text(ctx.alloc(), template), ctx.voidPromise());
            state.stats[digit - '0'].sent++;
        }

        @Override
        public void text(ByteBuf payload) {
            long now = System.nanoTime();
            int f = indexOf(payload, F_MARK);
            if (f < 0) {
                control(payload); // not a measured message: a dialect's control frame (or a pong)
                return;
            }
            int i = f + F_MARK.length;
            int from = 0;
            byte b;
            while ((b = payload.getByte(i++)) != ',') {
                from = from * 10 + (b - '0');
            }
            PhaseStats stats = (from % nodes == node ? state.stats : state.cross)[payload.getByte(i + 4) - '0'];
            i += 4 + 1 + 5; // w digit, then ,"t":
            long t = 0;
            for (int k = 0; k < 16; k++) {
                t = t * 10 + (payload.getByte(i + k) - '0');
            }
            long lagMicros = 0;
            for (int k = 0; k < 6; k++) {
                lagMicros = lagMicros * 10 + (payload.getByte(i + 16 + 5 + 1 + k) - '0');
            }
            stats.delivered++;
            long fromDue = Math.max(0, now - (t - TIME_BIAS + base));
            stats.scheduled.recordValue(fromDue);
            stats.latency.recordValue(Math.max(0, fromDue - lagMicros * 1000));
            if (from == index && !options.openLoop() && (phase == PHASE_WARMUP || phase == PHASE_MEASURE)) {
                send(now, 0, phaseDigit);
                flushPending = true; // flushed once the read is done: one write for all the echoes it held
            }
        }

        @Override
        public void readComplete() {
            if (flushPending) {
                flushPending = false;
                ctx.flush();
            }
        }

        @Override
        public void closed(String why) {
            if (!closed) {
                closed = true;
                if (ctx == null) {
                    loop.execute(() -> connector.launch(loop)); // a task: failures in a row do not recurse
                }
                if (phase != PHASE_STOPPED && errors.incrementAndGet() <= 10) {
                    System.err.println("peer " + index + ": " + why); // the first few say enough
                }
                connector.opened.countDown();
                if (!joined) {
                    connector.joined.countDown();
                }
            }
        }
    }

    private static final byte[] F_MARK = "{\"f\":".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper CONTROL = new ObjectMapper();

    /** A fresh EC P-256 public key as a JWK, for a Rendezvous peer (unsigned registration). */
    private static int indexOf(ByteBuf buf, byte[] needle) {
        int end = buf.writerIndex() - needle.length;
        outer:
        for (int i = buf.readerIndex(); i <= end; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private BenchReport execute() throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(options.ioThreads(),
                new DefaultThreadFactory("bench-io", true), io);
        for (var executor : group) {
            loops.put((EventLoop) executor, new LoopState());
        }
        ClientTls tls = options.targets().stream().anyMatch(t -> "wss".equals(t.getScheme()))
                ? new ClientTls(options.tlsCa()) : null;
        ServerProbe server = new ServerProbe(options.serverPid(), tls == null ? HttpClient.newHttpClient()
                : HttpClient.newBuilder().sslContext(tls.sslContext()).build());
        URI target = options.target();
        try {
            if (options.storm() > 0) {
                warmStorms(group, epoll, tls, server);
            }
            // the full GC (JVM servers) comes first, so that both RSS readings follow one
            long heapBefore = options.idleConnections() > 0 && server.present()
                    ? server.jvmHeapAfterGc(metricsUri(target)) : -1;
            long rssBefore = server.present() ? server.rssBytes() : -1;
            double connectCpuStart = server.present() ? server.cpuSeconds() : -1;
            Map<String, Double> threadsAtConnect = server.present() ? server.threadCpuSeconds() : Map.of();
            Map<String, Double> othersAtConnect = othersCpu(options);
            long ownCpuAtConnect = ownCpuNanos();
            long connectStart = System.nanoTime();
            connectAll(group, epoll, tls, options.connections());
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            connectRate = options.connections() / connectSeconds;
            serverCpuPerConnect = server.present()
                    ? (server.cpuSeconds() - connectCpuStart) * 1e6 / options.connections() : -1;
            if (options.storm() > 0) {
                return storm(server, connectStart, connectCpuStart, threadsAtConnect, othersAtConnect, ownCpuAtConnect);
            }
            if (options.idleConnections() > 0) {
                Thread.sleep(options.hold().toMillis());
                long heapAfter = server.present() ? server.jvmHeapAfterGc(metricsUri(target)) : -1;
                long rss = server.present() ? server.rssBytes() : -1;
                int n = options.idleConnections();
                phase = PHASE_STOPPED;
                return new BenchReport("idle", targets(), n, 0, 0, 0, 0, 0, options.hold().toMillis() / 1000.0,
                        0, 0, 0, 0, errors.get(), 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, rss,
                        heapAfter, heapAfter >= 0 && heapBefore >= 0 ? (heapAfter - heapBefore) / (double) n : -1,
                        rss >= 0 && rssBefore >= 0 ? (rss - rssBefore) / (double) n : -1, connectRate,
                        serverCpuPerConnect, null, List.of(), -1, null, null, null);
            }
            Thread.sleep(500); // let every subscription land before anyone publishes
            awaitReady();
            // the connection phase's garbage goes now, not in a pause inside the measured phase
            System.gc();
            // the phase first: a closed loop's first echoes can come back before this thread runs again, and an
            // echo seen in no sending phase is not answered, which would end the loop before it began
            phase = PHASE_WARMUP;
            startSending();
            if (options.churn() > 0) {
                churn = new Churn(options, group, epoll, errors);
                churn.start();
            }
            Thread.sleep(options.warmup().toMillis());
            double cpuStart = server.present() ? server.cpuSeconds() : -1;
            Map<String, Double> othersStart = othersCpu(options);
            long ownCpuStart = ownCpuNanos();
            long start = System.nanoTime();
            phaseDigit = '0';
            phase = PHASE_MEASURE;
            Thread.sleep(options.duration().toMillis());
            phase = PHASE_STOPPED;
            double seconds = (System.nanoTime() - start) / 1e9;
            double ownCpu = ownCpuStart >= 0 ? (ownCpuNanos() - ownCpuStart) / 1e9 : -1;
            long drainEnd = System.nanoTime() + options.drain().toNanos();
            if (churn != null) {
                churn.stop(); // within the drain: the last joins confirmed, then every churning connection leaves
            }
            awaitDrained(drainEnd);
            double cpu = server.present() ? server.cpuSeconds() - cpuStart : -1;
            Map<String, Double> others = othersCpuSince(options, othersStart);
            return report(group, seconds, cpu, others, ownCpu, server);
        } finally {
            phase = PHASE_STOPPED;
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Opens {@code n} connections (at most {@code --concurrency} being opened at once) and waits until each is
     * open or failed; {@link #joinedCount} then counts their joins.
     */
    private void connectAll(MultiThreadIoEventLoopGroup group, boolean epoll, ClientTls tls, int n)
            throws InterruptedException {
        Connector connector = new Connector(n, epoll, tls);
        peers = Arrays.asList(new Peer[n]);
        joinedCount = connector.joined;
        // bounded concurrent handshakes (no SYN floods): the slots are spread over the loops, each starts its next
        // connection itself once its upgrade is done
        for (int slot = 0; slot < Math.min(n, options.concurrency()); slot++) {
            EventLoop loop = group.next();
            loop.execute(() -> connector.launch(loop));
        }
        // from the first connection on (every one is started by the loops), so bounded by what a slow machine needs
        if (!connector.opened.await(Math.max(60, n / 50), TimeUnit.SECONDS)) {
            throw new IllegalStateException("connections did not open in time: " + connector.opened.getCount()
                    + " missing");
        }
    }

    /**
     * Starts the connections of one {@link #connectAll}, each on the event loop whose slot it takes: the first
     * {@code concurrency} from tasks, then each one from the connection before it in that slot, once that one's
     * upgrade is done (or it failed). No thread hands a connection to another and no loop is woken per
     * connection; the request, addresses and target are made once, not per connection (a storm is mostly
     * connecting, and the generator must stay cheaper than the server it measures).
     */
    private final class Connector {
        final int n;
        final boolean epoll;
        final ClientTls tls;
        final CountDownLatch opened;
        final CountDownLatch joined;
        final AtomicInteger next = new AtomicInteger();
        final InetSocketAddress[] remotes;
        final String[] hosts;
        /** Each target's path, and its upgrade request for a peer whose path is that one (most are). */
        final String[] paths;
        final byte[][] requests;
        final InetSocketAddress[] locals;

        Connector(int n, boolean epoll, ClientTls tls) {
            this.n = n;
            this.epoll = epoll;
            this.tls = tls;
            this.opened = new CountDownLatch(n);
            this.joined = new CountDownLatch(n);
            List<URI> targets = options.targets();
            remotes = new InetSocketAddress[targets.size()];
            hosts = new String[targets.size()];
            paths = new String[targets.size()];
            requests = new byte[targets.size()][];
            for (int t = 0; t < targets.size(); t++) {
                URI target = targets.get(t);
                remotes[t] = new InetSocketAddress(target.getHost(), target.getPort());
                hosts[t] = target.getHost() + ":" + target.getPort();
                paths[t] = ClientBootstrap.path(target);
                requests[t] = PeerHandler.upgradeRequest(hosts[t], paths[t]);
            }
            locals = options.sourceAddresses().stream().map(a -> new InetSocketAddress(a, 0))
                    .toArray(InetSocketAddress[]::new);
        }

        /** Starts the next connection, if any is left, on {@code loop} (called on that loop). */
        void launch(EventLoop loop) {
            int i = next.getAndIncrement();
            if (i >= n) {
                return;
            }
            int t = i % remotes.length; // a room's peers span the nodes
            URI target = options.targets().get(t);
            int roomIndex = options.idleConnections() > 0 ? i % Math.max(1, options.rooms()) : i / options.peersPerRoom();
            Peer peer = new Peer(i, "r" + roomIndex, this, loop);
            peers.set(i, peer);
            String path = pathOf(peer, paths[t]);
            byte[] request = path.equals(paths[t]) ? requests[t] : PeerHandler.upgradeRequest(hosts[t], path);
            boolean secure = "wss".equals(target.getScheme());
            peer.connectStarted = System.nanoTime();
            try {
                var future = ClientBootstrap.connect(loop, epoll, remotes[t],
                        locals.length == 0 ? null : locals[i % locals.length], ch -> {
                            if (secure) {
                                ch.pipeline().addLast("tls", tls.handler(ch.alloc(), target.getHost(), target.getPort()));
                            }
                            ch.pipeline().addLast(new PeerHandler(request, peer));
                        });
                peer.channel = future.channel();
                future.addListener(f -> {
                    if (!f.isSuccess()) {
                        peer.closed("connect failed: " + f.cause());
                    }
                });
            } catch (RuntimeException failed) { // no socket (out of descriptors): this peer fails, the next goes on
                peer.closed("connect failed: " + failed);
            }
        }
    }

    /** The URL path a peer connects to, per dialect. */
    private String pathOf(Peer peer, String base) {
        return dialect.path(peer.index, peer.room, options.peersPerRoom(), base);
    }

    /** Waits until every peer can send (logged in, target known). */
    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            long notReady = peers.stream().filter(p -> !p.ready && !p.closed).count();
            if (notReady == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("peers not ready in time: " + peers.stream().filter(p -> !p.ready).count());
    }

    private void startSending() {
        for (Map.Entry<EventLoop, LoopState> e : loops.entrySet()) {
            LoopState state = e.getValue();
            EventLoop loop = e.getKey();
            if (options.openLoop()) {
                long interval = TimeUnit.SECONDS.toNanos(1) / options.ratePerPeer();
                loop.execute(() -> {
                    // the schedule lives on a grid of ticks: a message is due at the first tick at or after its
                    // slot, and the tick task fires on that grid (fixed rate, from here)
                    state.gridStart = System.nanoTime() + TICK_NANOS;
                    for (int i = 0; i < state.peers.size(); i++) {
                        // spread the peers over one interval so they do not send in lockstep
                        state.peers.get(i).nextSend = state.gridStart + interval * i / Math.max(1, state.peers.size());
                    }
                    loop.scheduleAtFixedRate(() -> {
                        try {
                            tick(state, interval);
                        } catch (RuntimeException failure) {
                            // a task that throws is never run again: say so instead of silently sending nothing
                            if (errors.incrementAndGet() <= 10) {
                                System.err.println("sending failed: " + failure);
                            }
                        }
                    }, TICK_NANOS, TICK_NANOS, TimeUnit.NANOSECONDS);
                });
            } else {
                loop.execute(() -> {
                    long now = System.nanoTime();
                    for (Peer p : state.peers) {
                        for (int w = 0; w < options.window(); w++) {
                            p.send(now, 0, phaseDigit);
                        }
                        p.ctx.flush();
                    }
                });
            }
        }
    }

    private void tick(LoopState state, long interval) {
        int p = phase;
        if (p != PHASE_WARMUP && p != PHASE_MEASURE) {
            return;
        }
        byte digit = phaseDigit;
        PhaseStats stats = state.stats[digit - '0'];
        long now = System.nanoTime();
        for (int i = 0; i < state.peers.size(); i++) {
            Peer peer = state.peers.get(i);
            if (peer.closed || !peer.ready || peer.nextSend > now) {
                continue;
            }
            long due = state.due(peer.nextSend);
            boolean sent = false;
            while (due <= now) {
                // stamped with when it was due, not when it went: a generator that falls behind (a late tick,
                // a busy loop, its own GC) adds to the latency instead of silently thinning the load
                // (coordinated omission); the lag itself, read at the send and not at the tick's start (a
                // tick's earlier sends take time too), is reported too
                long lag = System.nanoTime() - due;
                peer.send(due, lag, digit);
                stats.sendLag.recordValue(lag);
                sent = true;
                peer.nextSend += interval;
                due = state.due(peer.nextSend);
            }
            if (sent) {
                peer.ctx.flush();
            }
        }
    }

    /** CPU seconds so far of each further process named in the options (those still running). */
    static Map<String, Double> othersCpu(BenchOptions options) {
        Map<String, Double> out = new LinkedHashMap<>();
        options.cpuPids().forEach((name, pid) -> {
            ServerProbe p = new ServerProbe(pid, null);
            if (p.present()) {
                out.put(name, p.cpuSeconds());
            }
        });
        return out;
    }

    /** CPU seconds each further process used since {@code start} (a reading of {@link #othersCpu}). */
    static Map<String, Double> othersCpuSince(BenchOptions options, Map<String, Double> start) {
        Map<String, Double> out = new LinkedHashMap<>();
        othersCpu(options).forEach((name, end) -> out.put(name, end - start.getOrDefault(name, end)));
        return out;
    }

    /** Every measured process's CPU per delivered message: the server's (if read), then the others. */
    static List<BenchReport.ProcessCpu> processes(BenchOptions options, double serverCpu, Map<String, Double> others,
                                                  long delivered) {
        List<BenchReport.ProcessCpu> processes = new ArrayList<>();
        if (serverCpu >= 0) {
            processes.add(new BenchReport.ProcessCpu("server", options.serverPid(), serverCpu,
                    delivered > 0 ? serverCpu * 1e6 / delivered : -1));
        }
        others.forEach((name, seconds) -> processes.add(new BenchReport.ProcessCpu(name,
                options.cpuPids().get(name), seconds, delivered > 0 ? seconds * 1e6 / delivered : -1)));
        return processes;
    }

    /**
     * The drain: until every message of the measured phase is delivered, or {@code --drain} has passed. Waiting out
     * the whole drain when nothing is missing would only idle (and add an idle stretch to the CPU reading).
     */
    private void awaitDrained(long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            long[] sums = new long[2];
            onEveryLoop(state -> {
                synchronized (sums) {
                    sums[0] += state.measuredSent();
                    sums[1] += state.measuredDelivered();
                }
            });
            if (sums[1] >= sums[0] * options.fanOut()) {
                return;
            }
            Thread.sleep(Math.max(1, Math.min(50, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    /** Runs {@code task} on every event loop, with that loop's state, and waits (bounded) until all ran. */
    private void onEveryLoop(java.util.function.Consumer<LoopState> task) throws InterruptedException {
        onEveryLoop(task, 5);
    }

    private void onEveryLoop(java.util.function.Consumer<LoopState> task, int waitSeconds) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(loops.size());
        loops.forEach((loop, state) -> loop.execute(() -> {
            try {
                task.accept(state);
            } finally {
                done.countDown();
            }
        }));
        done.await(waitSeconds, TimeUnit.SECONDS);
    }

    /**
     * Storm mode: every connection was started as soon as a slot was free (at most {@code concurrency} at once);
     * the storm ends with the last join the server confirms. Connections stay open until the report is made.
     */
    private BenchReport storm(ServerProbe server, long connectStart, double cpuStart, Map<String, Double> threadsStart,
                              Map<String, Double> othersStart, long ownCpuStart) throws InterruptedException {
        int n = options.storm();
        if (!joinedCount.await(Math.max(30, n / 200), TimeUnit.SECONDS)) {
            errors.addAndGet(joinedCount.getCount());
            System.err.println(joinedCount.getCount() + " joins not confirmed in time");
        }
        double cpu = server.present() ? server.cpuSeconds() - cpuStart : -1;
        double ownCpu = ownCpuStart >= 0 ? (ownCpuNanos() - ownCpuStart) / 1e9 : -1;
        Map<String, Double> others = othersCpuSince(options, othersStart);
        if (server.present()) {
            // what the server's CPU per join is made of (on standard error, beside the report)
            StringBuilder line = new StringBuilder("server CPU over the storm by thread:");
            server.threadCpuSeconds().forEach((kind, seconds) -> line.append(String.format(java.util.Locale.ROOT,
                    " %s %.2f s,", kind, seconds - threadsStart.getOrDefault(kind, 0.0))));
            System.err.println(line.substring(0, line.length() - 1));
        }
        Histogram handshakes = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long[] last = {connectStart};
        onEveryLoop(state -> {
            synchronized (handshakes) {
                handshakes.add(state.handshake);
                last[0] = Math.max(last[0], state.lastJoined);
            }
        });
        long completed;
        double seconds;
        synchronized (handshakes) {
            completed = handshakes.getTotalCount();
            seconds = (last[0] - connectStart) / 1e9;
        }
        phase = PHASE_STOPPED;
        // the connections stay open a while (a profiler can stop before the closes reach the node)
        Thread.sleep(options.hold().toMillis());
        double rate = seconds > 0 ? completed / seconds : -1;
        return new BenchReport("storm " + options.dialect(), targets(), n, options.rooms(), options.peersPerRoom(),
                0, 0, 0, seconds, 0, 0, 0, 0, errors.get(), 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, ownCpu, cpu, -1,
                server.present() ? server.rssBytes() : -1, -1, -1, -1, rate,
                cpu >= 0 && completed > 0 ? cpu * 1e6 / completed : -1, null,
                processes(options, cpu, others, completed), -1, handshakes(handshakes), null, null);
    }

    /**
     * The warm-up storms ({@code --storm-warmup}): each opened and joined as the measured storm will be, then
     * closed, and gone from the server too, before the next; a line each on standard error, nothing counted.
     * The generator's code that runs once per connection reaches the JIT's last tier only after some 10,000
     * connections, so a generator that measures its first storm measures its own compiler.
     */
    private void warmStorms(MultiThreadIoEventLoopGroup group, boolean epoll, ClientTls tls, ServerProbe server)
            throws InterruptedException {
        List<Integer> sizes = options.stormWarmup();
        for (int k = 0; k < sizes.size(); k++) {
            int n = sizes.get(k);
            long ownCpuStart = ownCpuNanos();
            long start = System.nanoTime();
            connectAll(group, epoll, tls, n);
            joinedCount.await(Math.max(30, n / 200), TimeUnit.SECONDS);
            double ownCpu = (ownCpuNanos() - ownCpuStart) / 1e9;
            List<Peer> storm = peers;
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            long[] last = {start};
            onEveryLoop(state -> {
                for (Peer p : storm) { // each loop closes its own peers, marked closed first: no errors, no counts
                    if (p != null && p.loop.inEventLoop() && !p.closed) {
                        p.closed = true;
                        if (p.channel != null) {
                            p.channel.close();
                        }
                    }
                }
                synchronized (h) {
                    h.add(state.handshake);
                    last[0] = Math.max(last[0], state.lastJoined);
                }
                state.peers.clear();
                state.handshake.reset();
                state.lastJoined = 0;
            }, 60);
            synchronized (h) {
                double seconds = (last[0] - start) / 1e9;
                System.err.printf(java.util.Locale.ROOT, "warm-up storm %d: %d of %d joined, %.0f joins/s, handshake "
                                + "p50 %.1f ms, p99 %.1f ms, errors %d, generator CPU %.0f us a join%n", k + 1,
                        h.getTotalCount(), n, h.getTotalCount() / Math.max(seconds, 1e-9),
                        h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, errors.get(),
                        ownCpu * 1e6 / Math.max(1, h.getTotalCount()));
            }
            peers = List.of();
            errors.set(0);
            awaitServerClosed(server);
        }
        System.gc(); // the warm-up's garbage goes now, not in a pause inside the measured storm
    }

    /**
     * Waits (bounded, 60 s) until every target has closed its side of the connections just closed, read from its
     * {@code switchboard_tcp_connections} gauge (1: the scrape's own); a server without it gets 2 s. The closes
     * are the server's work, which the measured storm must not share.
     */
    private void awaitServerClosed(ServerProbe server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (URI target : options.targets().stream().distinct().toList()) {
            while (System.nanoTime() < deadline) {
                double open = server.metric(metricsUri(target), "switchboard_tcp_connections");
                if (open < 0) {
                    Thread.sleep(2000);
                    break;
                }
                if (open <= 1) {
                    break;
                }
                Thread.sleep(100);
            }
        }
    }

    static BenchReport.Handshakes handshakes(Histogram h) {
        return new BenchReport.Handshakes(h.getTotalCount(), micros(h.getValueAtPercentile(50)),
                micros(h.getValueAtPercentile(99)), micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()));
    }

    private BenchReport report(MultiThreadIoEventLoopGroup group, double seconds, double cpu, Map<String, Double> others,
                               double ownCpu, ServerProbe server) throws InterruptedException {
        Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        Histogram lag = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        Histogram scheduled = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        Histogram local = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        Histogram cross = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long[] sums = new long[3];
        onEveryLoop(state -> {
            PhaseStats measured = state.stats[0];
            PhaseStats crossed = state.cross[0];
            synchronized (all) {
                all.add(measured.latency);
                all.add(crossed.latency);
                local.add(measured.latency);
                cross.add(crossed.latency);
                lag.add(measured.sendLag);
                scheduled.add(measured.scheduled);
                scheduled.add(crossed.scheduled);
                sums[0] += state.measuredSent();
                sums[1] += state.measuredDelivered();
                sums[2] += crossed.delivered;
            }
        });
        long sent;
        long delivered;
        long crossDelivered;
        synchronized (all) {
            sent = sums[0];
            delivered = sums[1];
            crossDelivered = sums[2];
        }
        BenchReport.CrossNode split = nodes < 2 ? null : new BenchReport.CrossNode(delivered - crossDelivered,
                micros(local.getValueAtPercentile(50)), micros(local.getValueAtPercentile(99)), crossDelivered,
                micros(cross.getValueAtPercentile(50)), micros(cross.getValueAtPercentile(99)),
                micros(cross.getValueAtPercentile(99.9)));
        List<BenchReport.ProcessCpu> processes = processes(options, cpu, others, delivered);
        double allCpu = processes.stream().mapToDouble(BenchReport.ProcessCpu::cpuSeconds).sum();
        long expected = sent * options.fanOut();
        long rss = server.present() ? server.rssBytes() : -1;
        boolean open = options.openLoop();
        return new BenchReport("load " + options.dialect(), targets(), options.connections(), options.rooms(),
                options.peersPerRoom(), options.payloadBytes(), options.ratePerPeer(), options.window(), seconds,
                sent, expected, delivered, Math.max(0, expected - delivered), errors.get(), sent / seconds,
                delivered / seconds, micros(all.getValueAtPercentile(50)), micros(all.getValueAtPercentile(99)),
                micros(all.getValueAtPercentile(99.9)), micros(all.getMaxValue()),
                open ? micros(lag.getValueAtPercentile(99)) : -1, open ? micros(lag.getMaxValue()) : -1,
                open ? micros(scheduled.getValueAtPercentile(99)) : -1, open ? micros(scheduled.getMaxValue()) : -1,
                ownCpu, cpu,
                cpu >= 0 && delivered > 0 ? cpu * 1e6 / delivered : -1, rss, -1, -1, -1, connectRate,
                serverCpuPerConnect, split, processes,
                !processes.isEmpty() && delivered > 0 ? allCpu * 1e6 / delivered : -1, null, null,
                churn == null ? null : churn.report());
    }

    private String targets() {
        return String.join(",", options.targets().stream().map(URI::toString).toList());
    }

    /** This process's CPU time, or -1 where the JVM does not tell. */
    private static long ownCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    private static double micros(long nanos) {
        return nanos / 1000.0;
    }

    private static URI metricsUri(URI ws) {
        String scheme = "wss".equals(ws.getScheme()) ? "https://" : "http://";
        return URI.create(scheme + ws.getHost() + ":" + ws.getPort() + "/metrics");
    }
}
