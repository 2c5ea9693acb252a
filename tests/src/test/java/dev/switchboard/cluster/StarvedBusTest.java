package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.BusListener;
import dev.switchboard.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A node whose Redis client falls behind its command timeout (a CPU-starved machine, a long pause) still sends
 * everything it publishes, in order. Lettuce drops a command that times out before its I/O thread wrote it; a
 * publish dropped so was a message missing from the middle of a stream (DialectsClusterTest once lost one of
 * its 10,000 direct messages under load). Here the sender's command timeout is far shorter than the time its
 * I/O thread needs to write a burst of 50,000 publishes, so without the publishes' own timeout some of the
 * burst would be dropped.
 */
class StarvedBusTest {
    private static final int MESSAGES = 50_000;
    private static final RoomKey ROOM = new RoomKey("test", "starved");

    @Test
    void aBurstPublishedFasterThanTheCommandTimeoutArrivesWholeAndInOrder() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            Receiver receiver = new Receiver();
            try (RedisBus to = RedisBus.connect(RedisBusOptions.builder(redis.uri()).nodeId("to").build());
                 RedisBus from = RedisBus.connect(RedisBusOptions.builder(redis.uri()).nodeId("from").failureTimeout(Duration.ofSeconds(20))
                         .commandTimeout(Duration.ofMillis(50)).build())) {
                to.start(receiver);
                from.start(new Receiver());
                MemberInfo target = new MemberInfo("m", "to", Map.of());
                for (int i = 0; i < MESSAGES; i++) {
                    from.send(ROOM, target, Envelope.of(Integer.toString(i).getBytes(StandardCharsets.US_ASCII)));
                }
                assertThat(receiver.all.await(60, TimeUnit.SECONDS))
                        .as("%d of %d arrived; first out of order or missing: %d", receiver.count.get(), MESSAGES,
                                receiver.firstWrong)
                        .isTrue();
                assertThat(receiver.firstWrong).isEqualTo(-1);
            }
        }
    }

    private static final class Receiver implements BusListener {
        final AtomicInteger count = new AtomicInteger();
        final CountDownLatch all = new CountDownLatch(MESSAGES);
        volatile int firstWrong = -1;

        @Override
        public void message(RoomKey room, String targetId, String exceptId, Envelope envelope) {
            int expected = count.getAndIncrement();
            int got = Integer.parseInt(new String(envelope.payload(), StandardCharsets.US_ASCII));
            if (got != expected && firstWrong < 0) {
                firstWrong = expected;
            }
            all.countDown();
        }

        @Override
        public void joined(RoomKey room, MemberInfo member, long seq) {
        }

        @Override
        public void left(RoomKey room, MemberInfo member, LeaveReason reason, long seq) {
        }

        @Override
        public void evicted(RoomKey room, MemberInfo member) {
        }

        @Override
        public boolean holds(RoomKey room, String memberId) {
            return false;
        }
    }
}
