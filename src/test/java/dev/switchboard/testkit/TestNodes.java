package dev.switchboard.testkit;

import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;

/** Starts real nodes for tests: loopback only, a free port. */
public final class TestNodes {
    private TestNodes() {
    }

    public static SwitchboardConfig.Builder config() {
        return SwitchboardConfig.builder().host("127.0.0.1").port(0).grpcPort(0).ioThreads(2);
    }

    public static Switchboard start() {
        return start(config().build());
    }

    public static Switchboard start(SwitchboardConfig config) {
        try {
            return Switchboard.start(config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
