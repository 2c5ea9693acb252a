package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.bench.internal.ClientBootstrap;
import dev.switchboard.bench.internal.ClientFrames;
import dev.switchboard.bench.internal.PeerHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Re-home mode: y-webrtc peers in rooms spread over the targets round robin (a URL listed several times gets
 * that many shares); once every room's count is right on every node, the first target's node is killed (SIGKILL, by the PID the user gave) and each of its peers connects
 * again at once to one of the other targets and subscribes to its room again. Measured from the kill: when
 * every moved peer's subscription was confirmed, and when every room's view was right again on every node
 * that serves it — probed by publishing into each room from one peer on each node and reading the
 * {@code clients} count the node adds, which is its view of the room across the cluster (the dead node's
 * members are counted until the cluster reaps them).
 */
final class RehomeRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PROBE_INTERVAL_MILLIS = 250;
    private static final long ROUND_TIMEOUT_MILLIS = 5_000;

    private final BenchOptions options;
    private final int nodes;
    /** The killed node's URL: every target equal to it (listed several times, it gets more of the peers). */
    private final URI victim;
    /** The other targets, where the victim's peers go. */
    private final List<Integer> survivors = new ArrayList<>();
    private final List<RPeer> peers = new ArrayList<>();
    private final LinkedBlockingQueue<RPeer> toConnect = new LinkedBlockingQueue<>();
    private final Semaphore connecting;
    private final AtomicLong errors = new AtomicLong();
    private final Histogram reconnects = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
    private final Histogram handshakes = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
    /** Probe answers of the current round: "room node" → the count that node gave. */
    private final Map<String, Integer> answers = new ConcurrentHashMap<>();
    private volatile int round;
    private volatile long killedAt;
    private volatile boolean stopping;
    private CountDownLatch pending;
    private MultiThreadIoEventLoopGroup group;
    private boolean epoll;

    private RehomeRun(BenchOptions options) {
        this.options = options;
        this.nodes = options.targets().size();
        this.victim = options.targets().get(0);
        for (int i = 0; i < nodes; i++) {
            if (!options.targets().get(i).equals(victim)) {
                survivors.add(i);
            }
        }
        this.connecting = new Semaphore(options.concurrency());
    }

    static BenchReport run(BenchOptions options) throws InterruptedException {
        return new RehomeRun(options).execute();
    }

    /** One connection of a peer: events of a connection the peer has left behind are ignored. */
    private static final class Connection implements PeerHandler.Listener {
        final RPeer peer;
        final int generation;

        Connection(RPeer peer) {
            this.peer = peer;
            this.generation = peer.generation;
        }

        private boolean current() {
            return generation == peer.generation;
        }

        @Override
        public void open(ChannelHandlerContext ctx) {
            if (current()) {
                peer.open(ctx);
            }
        }

        @Override
        public void text(ByteBuf payload) {
            if (current()) {
                peer.text(payload);
            }
        }

        @Override
        public void readComplete() {
        }

        @Override
        public void closed(String why) {
            if (current()) {
                peer.closed(why);
            }
        }
    }

    /** One peer; it moves to another node when its own is killed. */
    private final class RPeer implements PeerHandler.Listener {
        volatile int generation;
        final int index;
        final String room;
        volatile int node;
        volatile ChannelHandlerContext ctx;
        volatile long connectStarted;
        volatile boolean joined;
        volatile boolean moved;

        RPeer(int index) {
            this.index = index;
            this.room = "r" + index / options.peersPerRoom();
            this.node = index % nodes;
        }

        @Override
        public void open(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            connecting.release();
            send("{\"type\":\"subscribe\",\"topics\":[\"" + room + "\"]}");
            send("{\"type\":\"ping\"}"); // answered after the subscribe is done
        }

        void send(String frame) {
            ctx.writeAndFlush(ClientFrames.text(ctx.alloc(), frame));
        }

        @Override
        public void text(ByteBuf payload) {
            JsonNode m;
            try {
                m = JSON.readTree(payload.toString(StandardCharsets.UTF_8));
            } catch (java.io.IOException | RuntimeException notJson) {
                return;
            }
            String type = m.path("type").asText();
            if ("pong".equals(type) && !joined) {
                long now = System.nanoTime();
                joined = true;
                synchronized (handshakes) {
                    handshakes.recordValue(Math.max(0, now - connectStarted));
                    if (moved) {
                        reconnects.recordValue(Math.max(0, now - killedAt));
                    }
                }
                pending.countDown();
            } else if ("publish".equals(type) && m.path("from").asInt(-1) == index
                    && m.path("probe").asInt(-1) == round) {
                answers.put(room + ' ' + options.targets().get(node), m.path("clients").asInt(-1));
                pending.countDown();
            }
        }

        @Override
        public void readComplete() {
        }

        @Override
        public void closed(String why) {
            if (stopping) {
                return;
            }
            if (killedAt != 0 && onVictim(this) && !moved) {
                // its node is gone: straight to another one, as a client with a list of servers would
                moved = true;
                joined = false;
                generation++;
                node = survivors.get(index % survivors.size());
                toConnect.add(this);
                return;
            }
            if (errors.incrementAndGet() <= 10) {
                System.err.println("peer " + index + " (node " + node + "): " + why);
            }
            if (!joined) {
                pending.countDown();
            }
        }
    }

    private BenchReport execute() throws InterruptedException {
        int n = options.rooms() * options.peersPerRoom();
        epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory("rehome-io", true), io);
        Thread connector = new Thread(this::connectQueued, "rehome-connector");
        connector.setDaemon(true);
        connector.start();
        try {
            pending = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                RPeer p = new RPeer(i);
                peers.add(p);
                toConnect.add(p);
            }
            if (!pending.await(Math.max(30, n / 200), TimeUnit.SECONDS) || errors.get() > 0) {
                throw new IllegalStateException("peers did not all join: " + pending.getCount() + " missing, "
                        + errors.get() + " errors");
            }
            long settleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!probeRound()) {
                if (System.nanoTime() > settleDeadline) {
                    throw new IllegalStateException("the rooms' counts were not right before the kill");
                }
                Thread.sleep(PROBE_INTERVAL_MILLIS);
            }
            int moved = (int) peers.stream().filter(this::onVictim).count();
            pending = new CountDownLatch(moved);
            ProcessHandle victim = ProcessHandle.of(options.rehomeKillPid())
                    .orElseThrow(() -> new IllegalStateException("no process " + options.rehomeKillPid()));
            killedAt = System.nanoTime();
            victim.destroyForcibly(); // SIGKILL: the node gets no chance to say goodbye
            long deadline = killedAt + options.duration().toNanos();
            boolean reconnected = pending.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            double reconnectedMillis = reconnected ? maxReconnect() / 1e6 : -1;
            long probes = 0;
            double consistentMillis = -1;
            while (reconnected && System.nanoTime() < deadline) {
                probes++;
                if (probeRound()) {
                    consistentMillis = (System.nanoTime() - killedAt) / 1e6;
                    break;
                }
                Thread.sleep(PROBE_INTERVAL_MILLIS);
            }
            BenchReport.Handshakes hs;
            double p50;
            double p99;
            synchronized (handshakes) {
                hs = LoadGenerator.handshakes(handshakes);
                p50 = reconnects.getValueAtPercentile(50) / 1e6;
                p99 = reconnects.getValueAtPercentile(99) / 1e6;
            }
            return new BenchReport("rehome y-webrtc", String.join(",", options.targets().stream()
                    .map(URI::toString).toList()), n, options.rooms(), options.peersPerRoom(), 0, 0, 0,
                    (System.nanoTime() - killedAt) / 1e9, 0, 0, 0, 0, errors.get(), 0, 0, -1, -1, -1, -1, -1, -1, -1,
                    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, null, List.of(), -1, hs,
                    new BenchReport.Rehome(n, moved, reconnectedMillis, consistentMillis, p50, p99, probes), null);
        } finally {
            stopping = true;
            connector.interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private boolean onVictim(RPeer p) {
        return options.targets().get(p.node).equals(victim);
    }

    private long maxReconnect() {
        synchronized (handshakes) {
            return reconnects.getMaxValue();
        }
    }

    /**
     * One probe round: from one peer of each room on each node still serving it, a publish whose echo carries
     * that node's count of the room. True when every count is the room's size.
     */
    private boolean probeRound() throws InterruptedException {
        int r = round + 1;
        Map<String, RPeer> probers = new java.util.LinkedHashMap<>();
        for (RPeer p : peers) {
            if (!(killedAt != 0 && onVictim(p))) {
                probers.putIfAbsent(p.room + ' ' + options.targets().get(p.node), p);
            }
        }
        answers.clear();
        pending = new CountDownLatch(probers.size());
        round = r;
        for (RPeer p : probers.values()) {
            p.ctx.channel().eventLoop().execute(() -> p.send("{\"type\":\"publish\",\"topic\":\"" + p.room
                    + "\",\"probe\":" + r + ",\"from\":" + p.index + "}"));
        }
        if (!pending.await(ROUND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
            return false;
        }
        return answers.size() == probers.size()
                && answers.values().stream().allMatch(c -> c == options.peersPerRoom());
    }

    /** Opens queued connections, at most {@code concurrency} at once, until stopped. */
    private void connectQueued() {
        try {
            while (!stopping) {
                RPeer p = toConnect.take();
                connecting.acquire();
                URI target = options.targets().get(p.node);
                Bootstrap b = ClientBootstrap.of(group, epoll, ch -> ch.pipeline().addLast(new PeerHandler(
                        target.getHost() + ":" + target.getPort(), ClientBootstrap.path(target), new Connection(p))));
                p.connectStarted = System.nanoTime();
                b.connect(new InetSocketAddress(target.getHost(), target.getPort())).addListener(f -> {
                    if (!f.isSuccess()) {
                        connecting.release();
                        p.closed("connect failed: " + f.cause());
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
