package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import org.junit.jupiter.api.Test;

/** A node that starts as configured warns about nothing: a warning in the log should always mean something. */
class QuietStartTest {
    @Test
    void aClusteredNodeStartsWithoutAWarning() {
        try (RedisServer redis = RedisServer.start();
             NodeProcess node = NodeProcess.start("--redis", redis.uri())) {
            assertThat(node.output()).anyMatch(line -> line.contains(" ready on port "));
            assertThat(node.output()).noneMatch(line -> line.contains(" WARN ") || line.contains(" ERROR "));
        }
    }
}
