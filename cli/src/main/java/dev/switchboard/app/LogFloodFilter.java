package dev.switchboard.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Marker;

/**
 * Keeps a flood of one log line from flooding the log: each message (its logger and format) is written at most
 * {@code perMinute} times a minute; the rest are counted and, when the next minute's first one is written, a
 * line says how many were left out. What a client can make the node log (malformed gRPC connections, slow
 * consumers dropped, refused registrations) would otherwise let one client fill the disk and bury the rest.
 *
 * <p>Written here because logback's own {@code DuplicateMessageFilter} drops a repeated message for good once
 * it passed its count (until it leaves a small cache), so a recurring event would vanish from the logs.
 */
public final class LogFloodFilter extends TurboFilter {
    /** Distinct messages tracked at once; past it the counts start over (a leak guard, never reached in practice). */
    private static final int MAX_TRACKED = 10_000;
    private static final long WINDOW_MILLIS = 60_000;

    private int perMinute = 20;
    /**
     * Per logger, per format: two maps rather than one keyed by both, so that finding a message's window takes
     * no key object (formats are constants; their hash codes are cached).
     */
    private final ConcurrentHashMap<Logger, ConcurrentHashMap<String, Window>> windows = new ConcurrentHashMap<>();
    private final AtomicInteger tracked = new AtomicInteger();

    /** Set from the configuration file: {@code <perMinute>20</perMinute>}. */
    public void setPerMinute(int perMinute) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("perMinute must be at least 1");
        }
        this.perMinute = perMinute;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        // Called for every logging call, enabled or not: the common cases return at once, without allocating.
        if (format == null || level == null || level.levelInt < Level.INFO_INT
                || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        Window w = window(logger, format);
        long now = System.currentTimeMillis();
        int leftOut;
        synchronized (w) {
            leftOut = 0;
            if (now - w.start >= WINDOW_MILLIS) {
                leftOut = w.suppressed;
                w.start = now;
                w.count = 0;
                w.suppressed = 0;
            }
            if (++w.count > perMinute) {
                w.suppressed++;
                return FilterReply.DENY;
            }
        }
        if (leftOut > 0) {
            logger.warn("{} more lines like the next were left out in the last minute (at most {} a minute)",
                    leftOut, perMinute);
        }
        return FilterReply.NEUTRAL;
    }

    private Window window(Logger logger, String format) {
        ConcurrentHashMap<String, Window> formats = windows.get(logger);
        Window w = formats == null ? null : formats.get(format);
        if (w != null) {
            return w;
        }
        if (tracked.incrementAndGet() > MAX_TRACKED) {
            windows.clear();
            tracked.set(1);
        }
        return windows.computeIfAbsent(logger, l -> new ConcurrentHashMap<>())
                .computeIfAbsent(format, f -> new Window());
    }

    private static final class Window {
        long start = System.currentTimeMillis();
        int count;
        int suppressed;
    }
}
