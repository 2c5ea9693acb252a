package dev.switchboard.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.limits.ConnectionLimits;
import java.net.InetAddress;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-address count alone: exact at its limit when upgrades from one address race. */
class AdmissionTest {
    private static final int LIMIT = 2;
    private static final int RACERS = 4;

    @Test
    void racingUpgradesFromOneAddressAreAdmittedExactlyUpToTheLimit() throws Exception {
        Admission admission = new Admission(new ConnectionLimits(Integer.MAX_VALUE, LIMIT, 0));
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            CyclicBarrier start = new CyclicBarrier(RACERS);
            for (int round = 0; round < 2_000; round++) {
                InetAddress client = InetAddress.getByAddress(new byte[] {10, 0, (byte) (round >> 8), (byte) round});
                AtomicInteger admitted = new AtomicInteger();
                List<Future<?>> racers = new ArrayList<>();
                for (int i = 0; i < RACERS; i++) {
                    racers.add(pool.submit(() -> {
                        start.await();
                        if (admission.count(client) == null) {
                            admitted.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : racers) {
                    f.get();
                }
                assertThat(admitted.get()).as("round %d", round).isEqualTo(LIMIT);
                for (int i = 0; i < LIMIT; i++) {
                    admission.released(client);
                }
                assertThat(admission.count(client)).as("all released: room again").isNull();
                admission.released(client);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
