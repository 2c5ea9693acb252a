package dev.switchboard.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** The meters of one dialect, resolved once so the hot path only increments. */
public final class DialectMeters {
    private final AtomicInteger open = new AtomicInteger();
    private final Counter opened;
    private final Counter messagesIn;
    private final Counter messagesOut;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final MeterRegistry registry;
    private final String dialect;
    private final java.util.Map<String, Counter> refusals = new java.util.concurrent.ConcurrentHashMap<>();

    private final Negotiations negotiations;

    DialectMeters(MeterRegistry registry, String dialect, java.time.Duration negotiationTimeout) {
        this.registry = registry;
        this.negotiations = new Negotiations(registry, dialect, negotiationTimeout);
        this.dialect = dialect;
        Gauge.builder("switchboard.connections", open, AtomicInteger::get)
                .description("Open connections").tag("dialect", dialect).register(registry);
        opened = Counter.builder("switchboard.connections.opened")
                .description("Connections opened").tag("dialect", dialect).register(registry);
        messagesIn = Counter.builder("switchboard.messages.received")
                .description("Messages received from clients").tag("dialect", dialect).register(registry);
        messagesOut = Counter.builder("switchboard.messages.sent")
                .description("Messages sent to clients").tag("dialect", dialect).register(registry);
        bytesIn = Counter.builder("switchboard.payload.received").baseUnit("bytes")
                .description("Payload bytes received from clients").tag("dialect", dialect).register(registry);
        bytesOut = Counter.builder("switchboard.payload.sent").baseUnit("bytes")
                .description("Payload bytes sent to clients").tag("dialect", dialect).register(registry);
    }

    /** Counts a request refused without closing the connection, by why (not_granted, ...). */
    public void refused(String reason) {
        refusals.computeIfAbsent(reason, r -> Counter.builder("switchboard.refused")
                .description("Requests refused without closing the connection, by dialect and reason")
                .tag("dialect", dialect).tag("reason", r).register(registry)).increment();
    }

    /** The dialect's offer/answer exchanges (docs/design/telemetry.md). */
    public Negotiations negotiations() {
        return negotiations;
    }

    public void opened() {
        open.incrementAndGet();
        opened.increment();
    }

    public void closed() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }

    /** Messages received from this dialect's clients so far. */
    public long messagesReceived() {
        return (long) messagesIn.count();
    }

    /** Messages sent to this dialect's clients so far. */
    public long messagesSent() {
        return (long) messagesOut.count();
    }

    public void received(int bytes) {
        messagesIn.increment();
        bytesIn.increment(bytes);
    }

    public void sent(int bytes) {
        messagesOut.increment();
        bytesOut.increment(bytes);
    }
}
