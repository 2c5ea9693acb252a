package dev.switchboard.support;

import dev.switchboard.NodeService;
import dev.switchboard.SwitchboardConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A service for tests, plugged in through {@link NodeService} (listed in this module's META-INF/services), that
 * holds a node's start-up open: with {@code -Dswitchboard.test.holdStart=FILE} its start waits until FILE exists
 * (at most a minute), so a test can act in the window where the public port answers and the node is not started.
 * Without the property it is off.
 */
public final class HeldStart implements NodeService {
    public static final String PROPERTY = "switchboard.test.holdStart";

    @Override
    public String name() {
        return "test-held-start";
    }

    @Override
    public boolean enabled(SwitchboardConfig config) {
        return System.getProperty(PROPERTY) != null;
    }

    @Override
    public Running start(Node node) {
        Path release = Path.of(System.getProperty(PROPERTY));
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!Files.exists(release) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Running() {
            @Override
            public int port() {
                return -1;
            }

            @Override
            public void beginShutdown() {
            }

            @Override
            public void close(Duration timeout) {
            }
        };
    }
}
