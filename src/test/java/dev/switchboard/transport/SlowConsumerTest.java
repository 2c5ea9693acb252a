package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.testkit.StalledReader;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A reader that never reads cannot grow the server's memory past the outbound cap: 48 MiB published at it
 * while it stalls, the server's direct memory stays within the cap plus the allocator's working set, the
 * reader is dropped, and the publisher keeps working.
 */
class SlowConsumerTest {
    private static final int CAP = 1024 * 1024;
    private static final int MESSAGE = 60 * 1024;
    private static final int MESSAGES = 48 * 1024 * 1024 / MESSAGE;

    @Test
    void stalledReaderIsDroppedAndMemoryStaysBounded() throws Exception {
        Switchboard node = TestNodes.start(TestNodes.config().maxOutboundBytes(CAP).build());
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong peakDirect = new AtomicLong();
        long baseline = usedDirect();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peakDirect.accumulateAndGet(usedDirect(), Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (StalledReader stalled = new StalledReader(node.port(), "/");
             WsClient publisher = WsClient.connect(node.port(), "/")) {
            stalled.sendText("{\"type\":\"subscribe\",\"topics\":[\"flood\"]}");
            await().atMost(Duration.ofSeconds(5)).until(() -> node.hub().roomCount() == 1);
            sampler.start();
            String body = "{\"type\":\"publish\",\"topic\":\"flood\",\"pad\":\"" + "x".repeat(MESSAGE) + "\"}";
            for (int i = 0; i < MESSAGES; i++) {
                publisher.send(body);
            }
            publisher.send("{\"type\":\"ping\"}");
            assertThat(publisher.next()).isEqualTo("{\"type\":\"pong\"}");
            sampling.set(false);
            sampler.join();

            assertThat(stalled.drainUntilClosed()).as("stalled reader dropped").isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> node.hub().roomCount() == 0);
            assertThat(node.metrics().scrape()).contains("switchboard_closes_total{reason=\"slow_consumer\"} 1.0");
            long growth = peakDirect.get() - baseline;
            // cap, plus buffers in flight in the pipeline and the allocator's chunk granularity
            assertThat(growth).as("direct memory growth while flooding").isLessThan(CAP + 8L * 1024 * 1024);
            assertThat(publisher.isOpen()).isTrue();
        } finally {
            sampling.set(false);
            node.close();
        }
    }

    private static long usedDirect() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }
}
