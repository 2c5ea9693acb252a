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
    private final java.util.List<Supplier<Number>> counterSources = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Timer relayLatency;
    private JvmGcMetrics gc;
    private final Duration negotiationTimeout;
    /** Ends due negotiations (abandoned, or quiet after the answer) once a second, off the event loops. */
    private final java.util.concurrent.ScheduledExecutorService sweeper;

    /** Metrics with the default negotiation timeout (30 s). */
    public Metrics() {
        this(Duration.ofSeconds(30));
    }

    /** Metrics whose offers count as abandoned when no answer came within {@code negotiationTimeout}. */
    public Metrics(Duration negotiationTimeout) {
        this.negotiationTimeout = negotiationTimeout;
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
        sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-negotiations");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(1000, Negotiations.quietPeriod(negotiationTimeout).toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::sweepNegotiations, period, period,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void sweepNegotiations() {
        long now = System.nanoTime();
        dialects.values().forEach(d -> d.negotiations().sweep(now));
    }

    /** Meters of one dialect, created on first use. */
    public DialectMeters dialect(String name) {
        return dialects.computeIfAbsent(name, n -> new DialectMeters(registry, n, negotiationTimeout));
    }

    /** Counts a closed connection by why it closed (client, ping_timeout, slow_consumer, too_big, ...). */
    public void closed(String reason) {
        closes.computeIfAbsent(reason, r -> Counter.builder("switchboard.closes")
                .description("Connections closed, by reason").tag("reason", r).register(registry)).increment();
    }

    /**
     * Counts a WebSocket upgrade refused before it happened, by why (origin, token, timeout, per_address,
     * connection_rate; capacity: a connection refused at accept), so an operator sees refusals that never
     * became connections.
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

    /** Connections closed so far, by reason. */
    public Map<String, Long> closesByReason() {
        Map<String, Long> out = new java.util.TreeMap<>();
        closes.forEach((reason, c) -> out.put(reason, (long) c.count()));
        return out;
    }

    /** Relay latency so far: how many relays, the mean, and the max over the recent window (Micrometer's). */
    public record Latency(long count, double meanMillis, double maxMillis) {
    }

    public Latency relayLatency() {
        return new Latency(relayLatency.count(), relayLatency.mean(java.util.concurrent.TimeUnit.MILLISECONDS),
                relayLatency.max(java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    /** Registers a counter (a total since start) read on each scrape. */
    public void counter(String name, String description, Supplier<Number> value) {
        // a FunctionCounter holds what it reads weakly: without this reference the supplier was collected and
        // the counter stayed at its last value (0) for good
        counterSources.add(value);
        io.micrometer.core.instrument.FunctionCounter.builder(name, value, v -> v.get().doubleValue())
                .description(description).register(registry);
    }

    /** Registers a gauge read on each scrape. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public int openConnections() {
        return dialects.values().stream().mapToInt(DialectMeters::open).sum();
    }

    /** The meters of every dialect seen so far, by name. */
    public Map<String, DialectMeters> dialects() {
        return new java.util.TreeMap<>(dialects);
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
        sweeper.shutdownNow();
        if (gc != null) {
            gc.close();
            gc = null;
        }
        registry.close();
    }
}
