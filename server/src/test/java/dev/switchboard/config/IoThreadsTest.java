package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.SwitchboardConfig;
import org.junit.jupiter.api.Test;

/** {@code --io-threads}: 0 (the default) picks one event loop per two cores, at least one; a number is taken as given. */
class IoThreadsTest {
    @Test
    void theDefaultIsOneLoopPerTwoCoresAndAtLeastOne() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(SwitchboardConfig.defaults().get(NodeOptions.IO_THREADS)).isZero();
        assertThat(SwitchboardConfig.defaults().ioThreads()).isEqualTo(Math.max(1, cores / 2)).isPositive();
    }

    @Test
    void aGivenCountIsTaken() {
        assertThat(SwitchboardConfig.builder().ioThreads(3).build().ioThreads()).isEqualTo(3);
    }
}
