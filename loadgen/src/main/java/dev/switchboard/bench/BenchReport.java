package dev.switchboard.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a run measured. Latencies are in microseconds, from a message's send to its delivery at each
 * receiver: the relay's share. In open loop each message also carries when it was due, so the report adds the
 * latency from the schedule (p99, max: the relay's share plus the generator's lateness, which a generator
 * that falls behind would otherwise hide — coordinated omission) and the send lag itself; a lag near the
 * latency figures means the run measured the generator, not the server. Generator CPU is this process's CPU
 * time over the measured phase. Connects are whole connections opened per second, at most 256 at a time: TCP,
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
                          double rssBytesPerConnection, double connectsPerSecond, double serverCpuMicrosPerConnect) {

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
        } else {
            rows.put("errors", Long.toString(errors));
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
