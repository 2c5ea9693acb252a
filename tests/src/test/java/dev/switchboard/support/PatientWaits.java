package dev.switchboard.support;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every wait in the suite waits for its condition, not for a time: a condition met late on a loaded machine
 * is met, and a bound tight enough to notice slowness would make the suite flaky. So waits take a minute by
 * default and tests give no tighter bound; how fast things happen is measured in benchmarks. Registered for
 * every test class through JUnit's extension auto-detection.
 */
public final class PatientWaits implements BeforeAllCallback {
    static final Duration LIMIT = Duration.ofSeconds(60);

    @Override
    public void beforeAll(ExtensionContext context) {
        Awaitility.setDefaultTimeout(LIMIT);
    }
}
