package dev.switchboard.limits;

import java.time.Duration;

/**
 * How much one connection (or gRPC stream) may send: a token bucket over messages and bytes together, kept as
 * a single number per connection (the generic cell rate algorithm: the time at which the connection's budget
 * would be whole again, its "theoretical arrival time"). Each message costs {@code 1/rate} seconds plus its
 * bytes divided by {@code byteRate}; a connection may run up to {@code burst/rate} seconds ahead. A sender past
 * that is throttled (its reads pause until the budget is back); one still being throttled after
 * {@code throttleLimit} is dropped. Receivers are never punished for a sender. docs/design/limits.md#message-budgets
 *
 * <p>Written by hand: a token bucket kept as one {@code long} per connection is a few lines, and what the
 * rate-limiting libraries offer keeps an object (and usually a lock) per bucket, which 100,000 idle
 * connections would pay for.
 */
public final class MessageBudget {
    /** No budget: every message passes. */
    public static final MessageBudget UNLIMITED = new MessageBudget(0, 1, 0, Duration.ofSeconds(10));

    private final int rate;
    private final int burst;
    private final long byteRate;
    private final Duration throttleLimit;
    private final int requestWeight;
    private final long nanosPerMessage;
    private final double nanosPerByte;
    private final long tolerance;

    /** As below, an HTTP request weighing one message. */
    public MessageBudget(int rate, int burst, long byteRate, Duration throttleLimit) {
        this(rate, burst, byteRate, throttleLimit, 1);
    }

    /**
     * @param rate          messages per second a connection may keep up; 0 turns the budget off
     * @param burst         messages a connection may send at once after a quiet spell
     * @param byteRate      bytes per second a connection may keep up; 0 counts messages only
     * @param throttleLimit how long a sender may stay over its budget (throttled) before it is dropped
     * @param requestWeight messages one plain HTTP request costs ({@link #chargeRequest})
     */
    public MessageBudget(int rate, int burst, long byteRate, Duration throttleLimit, int requestWeight) {
        if (rate < 0 || burst < 1 || byteRate < 0 || throttleLimit.isNegative()) {
            throw new IllegalArgumentException("rate and byteRate must be at least 0, burst at least 1");
        }
        this.rate = rate;
        this.burst = burst;
        this.byteRate = byteRate;
        this.throttleLimit = throttleLimit;
        if (requestWeight < 1) {
            throw new IllegalArgumentException("requestWeight must be at least 1");
        }
        this.requestWeight = requestWeight;
        this.nanosPerMessage = rate == 0 ? 0 : 1_000_000_000L / rate;
        this.nanosPerByte = byteRate == 0 ? 0 : 1e9 / byteRate;
        this.tolerance = rate == 0 ? 0 : (long) burst * nanosPerMessage;
    }

    public boolean enabled() {
        return rate > 0;
    }

    public int rate() {
        return rate;
    }

    public int burst() {
        return burst;
    }

    public long byteRate() {
        return byteRate;
    }

    public Duration throttleLimit() {
        return throttleLimit;
    }

    /**
     * Charges one message of {@code bytes} to a connection whose budget state is {@code state} (0 for a new
     * connection), at {@code now} ({@link System#nanoTime()}), and returns the new state.
     */
    public long charge(long state, long now, int bytes) {
        return charge(state, now, 1, bytes);
    }

    /**
     * As {@link #charge(long, long, int)} for a plain HTTP request, which costs {@code requestWeight} messages: it
     * is far more work for the node than a relayed message, and no real client asks many at once.
     */
    public long chargeRequest(long state, long now, int bytes) {
        return charge(state, now, requestWeight, bytes);
    }

    private long charge(long state, long now, int messages, int bytes) {
        long start = state != 0 && state - now > 0 ? state : now; // 0: a new connection, whole budget
        return start + messages * nanosPerMessage + (long) (bytes * nanosPerByte);
    }

    /** How long, in nanoseconds, a connection in {@code state} must pause before it is within its budget; 0 if it is. */
    public long overBy(long state, long now) {
        long over = state - now - tolerance;
        return over > 0 ? over : 0;
    }

    /**
     * When a run of throttles began, after a charge that left the connection {@code over} its budget (0: within
     * it): the run goes on while the sender stays near its limit, and ends (0) once it has fallen back below half
     * its burst. {@code since} is the previous answer (0 for none).
     */
    public long throttledSince(long since, long state, long now, long over) {
        if (over > 0) {
            return since == 0 ? now | 1 : since;
        }
        return since != 0 && state - now < tolerance / 2 ? 0 : since;
    }

    /** Whether a sender throttled since {@code since} (see {@link #throttledSince}) has passed the throttle limit. */
    public boolean exhausted(long since, long now) {
        return since != 0 && now - since > throttleLimit.toNanos();
    }
}
