package dev.switchboard.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The node's Prometheus metrics. Meters on the hot path are looked up once (per dialect, per close reason)
 * and then only incremented.
 */
public final class Metrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, DialectMeters> dialects = new ConcurrentHashMap<>();
    private final Map<String, Counter> closes = new ConcurrentHashMap<>();
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final Map<String, Counter> tlsHandshakes = new ConcurrentHashMap<>();
    private final Timer relayLatency;
    private JvmGcMetrics gc;

    public Metrics() {
        relayLatency = Timer.builder("switchboard.relay.latency")
                .description("From a message's arrival to its delivery being queued on every local receiver's socket")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
    }

    /** Meters of one dialect, created on first use. */
    public DialectMeters dialect(String name) {
        return dialects.computeIfAbsent(name, n -> new DialectMeters(registry, n));
    }

    /** Counts a closed connection by why it closed (client, ping_timeout, slow_consumer, too_big, ...). */
    public void closed(String reason) {
        closes.computeIfAbsent(reason, r -> Counter.builder("switchboard.closes")
                .description("Connections closed, by reason").tag("reason", r).register(registry)).increment();
    }

    /**
     * Counts a WebSocket upgrade refused before it happened, by why (origin; later: token, rate), so an operator
     * sees refusals that never became connections.
     */
    public void refusedUpgrade(String reason) {
        refusals.computeIfAbsent(reason, r -> Counter.builder("switchboard.upgrades.refused")
                .description("WebSocket upgrades refused before the upgrade, by reason").tag("reason", r)
                .register(registry)).increment();
    }

    /**
     * Counts a TLS handshake on the public port by its result: {@code ok}, or {@code failed} (an untrusted
     * certificate, an old protocol, plaintext sent to the TLS port, no handshake within the time allowed).
     */
    public void tlsHandshake(boolean ok) {
        tlsHandshakes.computeIfAbsent(ok ? "ok" : "failed", r -> Counter.builder("switchboard.tls.handshakes")
                .description("TLS handshakes on the public port, by result").tag("result", r)
                .register(registry)).increment();
    }

    public void relayed(long nanos) {
        relayLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Registers a gauge read on each scrape. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public int openConnections() {
        return dialects.values().stream().mapToInt(DialectMeters::open).sum();
    }

    public Map<String, Integer> openConnectionsByDialect() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        dialects.forEach((name, m) -> out.put(name, m.open()));
        return out;
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (gc != null) {
            gc.close();
            gc = null;
        }
        registry.close();
    }
}
