package dev.switchboard.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how much a member whose connection dropped is kept for its return (docs/design/resume.md): the
 * window it stays parked, and the most messages and bytes kept for it meanwhile (more are dropped and
 * counted). A window of zero turns resume off: a dropped member leaves at once, as before.
 */
public record ResumeLimits(Duration window, int maxMessages, long maxBytes) {
    public static final ResumeLimits DEFAULT = new ResumeLimits(Duration.ofSeconds(30), 256, 256 * 1024);
    public static final ResumeLimits OFF = new ResumeLimits(Duration.ZERO, 0, 0);

    public ResumeLimits {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || maxMessages < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("negative resume limit");
        }
    }

    public boolean enabled() {
        return !window.isZero();
    }
}
