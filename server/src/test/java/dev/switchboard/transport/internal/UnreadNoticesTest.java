package dev.switchboard.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class UnreadNoticesTest {
    /** Past the grace period of a ping sent at 0. */
    private static final long LATE = UnreadNotices.GRACE_NANOS + 1;

    @Test
    void withinTheGracePeriodOfItsPingAReaderMayFallFurtherBehindUpToTheCeiling() {
        UnreadNotices notices = new UnreadNotices();
        for (int i = 0; i < 8; i++) {
            notices.add(8, 0);
            notices.pingIfDue(2, 0);
        }
        for (int i = 8; i < 8 * UnreadNotices.CEILING; i++) {
            assertThat(notices.add(8, UnreadNotices.GRACE_NANOS)).as("notice %d, the ping just answerable", i).isTrue();
        }
        assertThat(notices.add(8, 0)).as("at the ceiling").isFalse();
    }

    @Test
    void aClientThatNeverAnswersIsBehindAtTheLimit() {
        UnreadNotices notices = new UnreadNotices();
        int pings = 0;
        for (int i = 0; i < 8; i++) {
            assertThat(notices.add(8, LATE)).isTrue();
            if (notices.pingIfDue(2, 0) != null) {
                pings++;
            }
        }
        assertThat(pings).as("one ping outstanding at a time").isEqualTo(1);
        assertThat(notices.add(8, LATE)).as("the ninth").isFalse();
        // a pong of its own making (empty, or a guess) acknowledges nothing
        notices.pong(Unpooled.EMPTY_BUFFER);
        notices.pong(Unpooled.copyLong(1));
        assertThat(notices.add(8, LATE)).isFalse();
    }

    @Test
    void aPongEchoingThePingAcknowledgesWhatWasSentBeforeIt() {
        UnreadNotices notices = new UnreadNotices();
        notices.add(8, LATE);
        notices.add(8, LATE);
        ByteBuf ping = notices.pingIfDue(2, 0);
        assertThat(ping).isNotNull();
        notices.add(8, LATE);
        notices.pong(ping);
        assertThat(notices.unread()).as("the one sent after the ping").isEqualTo(1);
        for (int i = 0; i < 7; i++) {
            assertThat(notices.add(8, LATE)).isTrue();
        }
    }

    @Test
    void theKeepalivePingCarriesTheOutstandingToken() {
        UnreadNotices notices = new UnreadNotices();
        assertThat(notices.keepalivePayload(0).readableBytes()).as("nothing unread: empty").isZero();
        notices.add(8, LATE);
        ByteBuf first = notices.keepalivePayload(0);
        assertThat(first.readableBytes()).as("unread: a token").isEqualTo(8);
        notices.add(8, LATE);
        ByteBuf again = notices.keepalivePayload(0);
        assertThat(again.getLong(0)).as("the same, outstanding").isEqualTo(first.getLong(0));
        notices.pong(again); // a client answering only the latest ping
        assertThat(notices.unread()).isEqualTo(1);
    }
}
