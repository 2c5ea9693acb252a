package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.transport.IoTransport;
import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.StalledReader;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A reader that never reads cannot grow the server's memory past the outbound cap: 48 MiB published at it
 * while it stalls, what the server queues for it never passes the cap (plus the frame that crossed it), the
 * reader is dropped, and the publisher keeps working. On io_uring, where a flush only queues the write, the
 * cap is the hard one (4x) and the drop may wait for the grace period; see WebSocketConnection.
 */
class SlowConsumerTest {
    private static final int CAP = 1024 * 1024;
    private static final int MESSAGE = 60 * 1024;
    private static final int MESSAGES = 48 * 1024 * 1024 / MESSAGE;

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"EPOLL", "IO_URING", "NIO"})
    void stalledReaderIsDroppedAndMemoryStaysBounded(IoTransport transport) throws Exception {
        assumeTrue(TestNodes.available(transport), transport + " is not available on this machine");
        // the publisher floods on purpose (48 MB at once), past any client's message budget: only the reader is tested
        Switchboard node = TestNodes.start(TestNodes.config().ioTransport(transport).maxOutboundBytes(CAP)
                .set(NodeOptions.MESSAGE_RATE, 0).build());
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong peakDirect = new AtomicLong();
        AtomicLong peakQueued = new AtomicLong();
        long baseline = usedDirect();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peakDirect.accumulateAndGet(usedDirect(), Math::max);
                peakQueued.accumulateAndGet(node.queuedBytes(), Math::max);
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
            await().until(() -> node.hub().roomCount() == 1);
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
            await().until(() -> node.hub().roomCount() == 0);
            assertThat(node.metrics().scrape()).contains("switchboard_closes_total{reason=\"slow_consumer\"} 1.0");
            // what the server held for its clients never exceeded the cap by more than the frame that crossed it
            // (io_uring: the hard cap, 4x, since there a flush only queues the write)
            long cap = transport == IoTransport.IO_URING ? 4L * CAP : CAP;
            assertThat(peakQueued.get()).as("bytes queued for clients").isLessThanOrEqualTo(cap + 2L * (MESSAGE + 64));
            // and the process's direct memory (server and test clients share this JVM) grew by far less than
            // the flood: the cap plus the allocator's per-thread chunks
            long growth = peakDirect.get() - baseline;
            assertThat(growth).as("direct memory growth while flooding").isLessThan(32L * 1024 * 1024);
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
