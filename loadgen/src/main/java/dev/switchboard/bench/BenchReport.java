package dev.switchboard.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run measured. Latencies are in microseconds, from a message's send to its delivery at each
 * receiver: the relay's share. In open loop each message also carries when it was due, so the report adds the
 * latency from the schedule (p99, max: the relay's share plus the generator's lateness, which a generator
 * that falls behind would otherwise hide — coordinated omission) and the send lag itself; a lag near the
 * latency figures means the run measured the generator, not the server. Generator CPU is this process's CPU
 * time over the measured phase (in storm mode: the measured storm). Connects are whole connections opened per second, at most 256 at a time: TCP,
 * TLS for wss:// (a full handshake each) and the WebSocket upgrade; the server's CPU per connect covers that phase. -1 marks what was not measured (no server PID given, not a JVM, closed loop).
 */
public record BenchReport(String mode, String target, int connections, int rooms, int peersPerRoom,
                          int payloadBytes, int ratePerPeer, int window, double seconds, long sent, long expected,
                          long delivered, long missing, long errors, double sendsPerSecond,
                          double deliveriesPerSecond, double p50Micros, double p99Micros, double p999Micros,
                          double maxMicros, double sendLagP99Micros, double sendLagMaxMicros,
                          double scheduledP99Micros, double scheduledMaxMicros,
                          double generatorCpuSeconds, double serverCpuSeconds, double serverCpuMicrosPerDelivery,
                          long serverRssBytes, long serverHeapBytes, double heapBytesPerConnection,
                          double rssBytesPerConnection, double connectsPerSecond, double serverCpuMicrosPerConnect,
                          CrossNode crossNode, List<ProcessCpu> processes, double allProcessesCpuMicrosPerDelivery,
                          Handshakes handshakes, Rehome rehome, Churn churn) {

    /**
     * With several targets: deliveries to a peer on the sender's own node, and to a peer on another node (which
     * crossed the bus), counted and timed apart.
     */
    public record CrossNode(long localDelivered, double localP50Micros, double localP99Micros, long crossDelivered,
                            double crossP50Micros, double crossP99Micros, double crossP999Micros) {
    }

    /**
     * One process's CPU (user + system) over the measured phase and drain, per delivered message (in storm mode:
     * over the storm, per confirmed join).
     */
    public record ProcessCpu(String name, long pid, double cpuSeconds, double cpuMicrosPerDelivery) {
    }

    /**
     * Storm and re-home modes: the time from starting a connection (TCP connect) to its completed subscription
     * or login, over every connection that completed.
     */
    public record Handshakes(long completed, double p50Micros, double p99Micros, double p999Micros,
                             double maxMicros) {
    }

    /**
     * Re-home mode: {@code moved} peers were on the killed node; every one was reconnected to another node
     * {@code reconnectedMillis} after the kill, and every room's count was right on every node that serves it
     * {@code consistentMillis} after the kill (-1: not within the run's bound).
     */
    public record Rehome(int peers, int moved, double reconnectedMillis, double consistentMillis,
                         double reconnectP50Millis, double reconnectP99Millis, long probes) {
    }

    /**
     * Load mode with churn: {@code perSecond} further connections a second, each staying {@code lifeSeconds};
     * of those opened, {@code joined} had their subscription confirmed (join latency: connect to the pong after
     * the subscribe) and {@code left} were closed by the generator after it; {@code cut} were still connecting or
     * joining when their time was up (a slow node) and were closed as they were; {@code failed} were refused or
     * closed by the server before their time.
     */
    public record Churn(int perSecond, double lifeSeconds, long opened, long joined, long left, long cut, long failed,
                        double joinP50Micros, double joinP99Micros) {
    }

    public String toJson() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String toTable() {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("mode", mode);
        rows.put("target", target);
        rows.put("connections", Integer.toString(connections));
        if (connectsPerSecond >= 0) {
            rows.put("connects", fmt("%.0f/s", connectsPerSecond));
        }
        if (serverCpuMicrosPerConnect >= 0) {
            rows.put("server CPU / connect", fmt("%.0f us", serverCpuMicrosPerConnect));
        }
        if (mode.startsWith("load")) {
            rows.put("rooms x peers", rooms + " x " + peersPerRoom);
            rows.put("payload", payloadBytes + " B");
            rows.put("load", ratePerPeer > 0 ? ratePerPeer + " msg/s per peer (open loop)" : "window " + window + " per peer (closed loop)");
            rows.put("measured", fmt("%.1f s", seconds));
            rows.put("sent", sent + fmt(" (%.0f/s)", sendsPerSecond));
            rows.put("delivered", delivered + " of " + expected + fmt(" (%.0f/s)", deliveriesPerSecond));
            rows.put("missing", Long.toString(missing));
            rows.put("errors", Long.toString(errors));
            rows.put("latency p50", fmt("%.0f us", p50Micros));
            rows.put("latency p99", fmt("%.0f us", p99Micros));
            rows.put("latency p99.9", fmt("%.0f us", p999Micros));
            rows.put("latency max", fmt("%.0f us", maxMicros));
            if (sendLagP99Micros >= 0) {
                rows.put("from schedule p99 / max", fmt("%.0f us / %.0f us", scheduledP99Micros, scheduledMaxMicros));
                rows.put("send lag p99 / max", fmt("%.0f us / %.0f us", sendLagP99Micros, sendLagMaxMicros));
            }
            if (generatorCpuSeconds >= 0) {
                rows.put("generator CPU", fmt("%.2f s (%.0f%% of one core)", generatorCpuSeconds,
                        100 * generatorCpuSeconds / seconds));
            }
            if (serverCpuSeconds >= 0) {
                rows.put("server CPU", fmt("%.2f s", serverCpuSeconds));
                rows.put("server CPU / delivery", fmt("%.2f us", serverCpuMicrosPerDelivery));
            }
            if (crossNode != null) {
                rows.put("local deliveries", fmt("%d, p50 %.0f us, p99 %.0f us", crossNode.localDelivered(),
                        crossNode.localP50Micros(), crossNode.localP99Micros()));
                rows.put("cross-node deliveries", fmt("%d, p50 %.0f us, p99 %.0f us, p99.9 %.0f us",
                        crossNode.crossDelivered(), crossNode.crossP50Micros(), crossNode.crossP99Micros(),
                        crossNode.crossP999Micros()));
            }
            for (ProcessCpu p : processes) {
                rows.put("CPU / delivery: " + p.name(), fmt("%.2f us (%.2f s, pid %d)", p.cpuMicrosPerDelivery(),
                        p.cpuSeconds(), p.pid()));
            }
            if (allProcessesCpuMicrosPerDelivery >= 0 && processes.size() > 1) {
                rows.put("CPU / delivery: all", fmt("%.2f us", allProcessesCpuMicrosPerDelivery));
            }
        } else {
            rows.put("errors", Long.toString(errors));
        }
        if (handshakes != null) {
            rows.put("handshakes completed", Long.toString(handshakes.completed()));
            if (!mode.startsWith("load")) {
                for (ProcessCpu p : processes) {
                    rows.put("CPU / join: " + p.name(), fmt("%.0f us (%.2f s, pid %d)", p.cpuMicrosPerDelivery(),
                            p.cpuSeconds(), p.pid()));
                }
                if (generatorCpuSeconds >= 0 && handshakes.completed() > 0) {
                    // a generator near 100 % of its core measured itself, not the server
                    rows.put("CPU / join: generator", fmt("%.0f us (%.2f s, %.0f%% of one core)",
                            generatorCpuSeconds * 1e6 / handshakes.completed(), generatorCpuSeconds,
                            100 * generatorCpuSeconds / seconds));
                }
            }
            rows.put("handshake p50 / p99", fmt("%.1f ms / %.1f ms", handshakes.p50Micros() / 1000,
                    handshakes.p99Micros() / 1000));
            rows.put("handshake p99.9 / max", fmt("%.1f ms / %.1f ms", handshakes.p999Micros() / 1000,
                    handshakes.maxMicros() / 1000));
        }
        if (churn != null) {
            rows.put("churn", fmt("%d/s, each for %.0f s: %d opened, %d joined, %d left, %d cut before joining, %d failed",
                    churn.perSecond(), churn.lifeSeconds(), churn.opened(), churn.joined(), churn.left(), churn.cut(),
                    churn.failed()));
            rows.put("churn join p50 / p99", fmt("%.1f ms / %.1f ms", churn.joinP50Micros() / 1000,
                    churn.joinP99Micros() / 1000));
        }
        if (rehome != null) {
            rows.put("peers / moved", rehome.peers() + " / " + rehome.moved());
            rows.put("all reconnected after", fmt("%.0f ms", rehome.reconnectedMillis()));
            rows.put("reconnect p50 / p99", fmt("%.0f ms / %.0f ms", rehome.reconnectP50Millis(),
                    rehome.reconnectP99Millis()));
            rows.put("views consistent after", rehome.consistentMillis() < 0 ? "not within the run"
                    : fmt("%.0f ms (%d probes)", rehome.consistentMillis(), rehome.probes()));
        }
        if (serverRssBytes >= 0) {
            rows.put("server RSS", fmt("%.1f MiB", serverRssBytes / 1048576.0));
        }
        if (rssBytesPerConnection >= 0) {
            rows.put("server RSS / connection", fmt("%.0f B", rssBytesPerConnection));
        }
        if (serverHeapBytes >= 0) {
            rows.put("server heap (after GC)", fmt("%.1f MiB", serverHeapBytes / 1048576.0));
        }
        if (heapBytesPerConnection >= 0) {
            rows.put("server heap / connection", fmt("%.0f B", heapBytesPerConnection));
        }
        StringBuilder out = new StringBuilder();
        rows.forEach((k, v) -> out.append(String.format(Locale.ROOT, "%-26s %s%n", k, v)));
        return out.toString();
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
