package dev.switchboard.bench;

import dev.switchboard.bench.internal.RtcWire;
import dev.switchboard.bench.internal.ServerProbe;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * The gRPC client/worker dialect under load: {@code rooms} pairs of a worker and its client, each stream on a
 * connection of its own (as each is a machine of its own). The worker registers (BLANK, then a PING whose answer
 * says it is findable), the client opens its stream naming the worker (a PING, answered with its id); then both
 * send ICE_CANDIDATEs to each other, open loop at {@code rate} per stream, and the server relays each to the
 * other side. With several targets (grpc://host:port each), even pairs keep both sides on one node and odd pairs
 * put them on two, so local and cross-node relays are reported apart.
 *
 * <p>Each relayed message carries, in its opaque {@code message} bytes, the phase that sent it, when it was due
 * and how late it went, as the WebSocket runs do; one clock serves both ends.
 */
final class GrpcRun {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** phase byte, due (8), lag (8). */
    private static final int STAMP = 17;

    private final BenchOptions options;
    private final int nodes;
    private final long base = System.nanoTime();
    private final MethodDescriptor<byte[], byte[]> workerMethod = RtcWire.method("WorkerService");
    private final MethodDescriptor<byte[], byte[]> clientMethod = RtcWire.method("ClientService");
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Side> sides = new ArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private final Recorder local = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    private final Recorder cross = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    private final LongAdder localDelivered = new LongAdder();
    private final LongAdder crossDelivered = new LongAdder();
    private volatile byte phase = '1';
    private volatile boolean stopping;
    private CountDownLatch answered;

    private GrpcRun(BenchOptions options) {
        this.options = options;
        this.nodes = options.targets().size();
    }

    static BenchReport run(BenchOptions options) throws InterruptedException {
        return new GrpcRun(options).execute();
    }

    /** One stream: a worker or a client. Sends only from the sender thread, once started. */
    private final class Side implements StreamObserver<byte[]> {
        final boolean worker;
        final long workerId;
        final int node;
        final boolean crossNode;
        final byte[] stamp;
        StreamObserver<byte[]> out;
        /** The worker's client (learned from the client's first relayed message); the client's own id. */
        volatile String clientId;
        volatile boolean ready;
        long nextSend;
        long sent;

        Side(boolean worker, int pair) {
            this.worker = worker;
            this.workerId = pair + 1;
            int workerNode = pair % nodes;
            this.crossNode = nodes > 1 && pair % 2 == 1;
            this.node = worker || !crossNode ? workerNode : (workerNode + 1) % nodes;
            this.stamp = new byte[Math.max(STAMP, options.payloadBytes() - 48)];
            Arrays.fill(stamp, (byte) 'x');
        }

        void open() {
            URI target = options.targets().get(node);
            ManagedChannel channel = Grpc.newChannelBuilderForAddress(target.getHost(), target.getPort(),
                    InsecureChannelCredentials.create()).build();
            synchronized (channels) {
                channels.add(channel);
            }
            out = ClientCalls.asyncBidiStreamingCall(channel.newCall(worker ? workerMethod : clientMethod,
                    CallOptions.DEFAULT), this);
            if (worker) {
                out.onNext(RtcWire.encode(workerId, RtcWire.BLANK, null, null));
            }
            out.onNext(RtcWire.encode(workerId, RtcWire.PING, null, null)); // answered once registered
        }

        void send(long due, long lag, byte digit) {
            stamp[0] = digit;
            ByteBuffer.wrap(stamp, 1, 16).putLong(due - base).putLong(lag);
            out.onNext(RtcWire.encode(workerId, RtcWire.ICE_CANDIDATE, stamp, worker ? clientId : null));
            if (digit == '0') {
                sent++;
            }
        }

        @Override
        public void onNext(byte[] value) {
            long now = System.nanoTime();
            RtcWire.Read m;
            try {
                m = RtcWire.read(value);
            } catch (IllegalArgumentException e) {
                onError(e);
                return;
            }
            if (m.event() == RtcWire.PING) {
                if (!worker) {
                    clientId = m.clientId();
                    ready = true;
                }
                answered.countDown();
                return;
            }
            if (m.messageAt() < 0 || m.messageLength() < STAMP) {
                return; // a BLANK (a client left): nothing measured
            }
            if (worker && !ready) {
                clientId = m.clientId();
                ready = true;
            }
            if (value[m.messageAt()] != '0') {
                return; // sent during the warm-up
            }
            ByteBuffer b = ByteBuffer.wrap(value, m.messageAt() + 1, 16);
            long due = b.getLong() + base;
            long lag = b.getLong();
            long latency = Math.max(0, now - due - lag);
            (crossNode ? cross : local).recordValue(Math.min(latency, TimeUnit.SECONDS.toNanos(60)));
            (crossNode ? crossDelivered : localDelivered).increment();
        }

        @Override
        public void onError(Throwable t) {
            if (!stopping && errors.incrementAndGet() <= 10) {
                System.err.println((worker ? "worker " : "client of worker ") + workerId + ": " + t);
            }
        }

        @Override
        public void onCompleted() {
            if (!stopping) {
                onError(new IllegalStateException("stream ended"));
            }
        }
    }

    private BenchReport execute() throws InterruptedException {
        int pairs = options.rooms();
        ServerProbe server = new ServerProbe(options.serverPid(), null);
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grpc-bench-send");
            t.setDaemon(true);
            return t;
        });
        try {
            long connectStart = System.nanoTime();
            answered = new CountDownLatch(pairs);
            List<Side> workers = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                Side w = new Side(true, i);
                workers.add(w);
                w.open();
            }
            await("workers registered");
            answered = new CountDownLatch(pairs);
            for (int i = 0; i < pairs; i++) {
                Side c = new Side(false, i);
                sides.add(workers.get(i));
                sides.add(c);
                c.open();
            }
            await("clients answered");
            double connectRate = 2.0 * pairs / ((System.nanoTime() - connectStart) / 1e9);
            long interval = TimeUnit.SECONDS.toNanos(1) / options.ratePerPeer();
            long start0 = System.nanoTime() + TICK_NANOS;
            for (int i = 0; i < sides.size(); i++) {
                sides.get(i).nextSend = start0 + interval * i / sides.size(); // spread over one interval
            }
            sender.scheduleAtFixedRate(() -> {
                try {
                    tick(interval);
                } catch (RuntimeException e) {
                    if (errors.incrementAndGet() <= 10) {
                        System.err.println("sending failed: " + e);
                    }
                }
            }, TICK_NANOS, TICK_NANOS, TimeUnit.NANOSECONDS);
            Thread.sleep(options.warmup().toMillis());
            local.reset();
            cross.reset();
            double cpuStart = server.present() ? server.cpuSeconds() : -1;
            Map<String, Double> othersStart = LoadGenerator.othersCpu(options);
            long measureStart = System.nanoTime();
            phase = '0';
            Thread.sleep(options.duration().toMillis());
            phase = '2'; // neither measured nor warm-up: nothing more is sent
            double seconds = (System.nanoTime() - measureStart) / 1e9;
            Thread.sleep(options.drain().toMillis());
            double cpu = server.present() ? server.cpuSeconds() - cpuStart : -1;
            Map<String, Double> others = LoadGenerator.othersCpuSince(options, othersStart);
            sender.shutdown();
            sender.awaitTermination(5, TimeUnit.SECONDS);
            long sent = sides.stream().mapToLong(s -> s.sent).sum();
            var l = local.getIntervalHistogram();
            var c = cross.getIntervalHistogram();
            long delivered = localDelivered.sum() + crossDelivered.sum();
            var all = l.copy();
            all.add(c);
            BenchReport.CrossNode split = nodes < 2 ? null : new BenchReport.CrossNode(localDelivered.sum(),
                    l.getValueAtPercentile(50) / 1e3, l.getValueAtPercentile(99) / 1e3, crossDelivered.sum(),
                    c.getValueAtPercentile(50) / 1e3, c.getValueAtPercentile(99) / 1e3,
                    c.getValueAtPercentile(99.9) / 1e3);
            List<BenchReport.ProcessCpu> processes = LoadGenerator.processes(options, cpu, others, delivered);
            double allCpu = processes.stream().mapToDouble(BenchReport.ProcessCpu::cpuSeconds).sum();
            return new BenchReport("load grpc", String.join(",", options.targets().stream().map(URI::toString)
                    .toList()), 2 * pairs, pairs, 2, options.payloadBytes(), options.ratePerPeer(), 0, seconds, sent,
                    sent, delivered, Math.max(0, sent - delivered), errors.get(), sent / seconds, delivered / seconds,
                    all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                    all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3, -1, -1, -1, -1, -1, cpu,
                    cpu >= 0 && delivered > 0 ? cpu * 1e6 / delivered : -1, server.present() ? server.rssBytes() : -1,
                    -1, -1, -1, connectRate, -1, split, processes,
                    !processes.isEmpty() && delivered > 0 ? allCpu * 1e6 / delivered : -1, null, null, null);
        } finally {
            stopping = true;
            sender.shutdownNow();
            for (ManagedChannel ch : channels) {
                ch.shutdownNow();
            }
            for (ManagedChannel ch : channels) {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private void await(String what) throws InterruptedException {
        if (!answered.await(Math.max(30, options.rooms() / 50), TimeUnit.SECONDS)) {
            throw new IllegalStateException(what + ": " + answered.getCount() + " not in time; " + errors.get()
                    + " errors");
        }
    }

    /** Sends what has fallen due on the 1 ms grid, stamped with when it was due (no coordinated omission). */
    private void tick(long interval) {
        byte digit = phase;
        if (digit == '2') {
            return;
        }
        long now = System.nanoTime();
        for (Side s : sides) {
            if (!s.ready) {
                continue;
            }
            while (s.nextSend <= now) {
                long due = s.nextSend;
                s.send(due, Math.max(0, System.nanoTime() - due), digit);
                s.nextSend += interval;
            }
        }
    }
}
