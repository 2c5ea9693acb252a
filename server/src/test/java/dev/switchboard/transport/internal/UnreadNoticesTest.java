package dev.switchboard.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class UnreadNoticesTest {
    /** Past the grace period of a ping sent at 0. */
    private static final long LATE = UnreadNotices.GRACE_NANOS + 1;

    /** Writes {@code n} notices at time 0, with the pings that come due (every 2); the pings sent. */
    private static int write(UnreadNotices notices, int n) {
        int pings = 0;
        for (int i = 0; i < n; i++) {
            notices.add();
            if (notices.pingIfDue(2, 0) != null) {
                pings++;
            }
        }
        return pings;
    }

    @Test
    void aClientThatNeverAnswersIsBehindAtTheLimitOnceItsPingIsLate() {
        UnreadNotices notices = new UnreadNotices();
        assertThat(write(notices, 8)).as("one ping outstanding at a time").isEqualTo(1);
        assertThat(notices.behind(8, UnreadNotices.GRACE_NANOS)).as("the ping still within its grace").isFalse();
        assertThat(notices.behind(8, LATE)).isTrue();
        // a pong of its own making (empty, or a guess) acknowledges nothing
        notices.pong(Unpooled.EMPTY_BUFFER);
        notices.pong(Unpooled.copyLong(1));
        assertThat(notices.behind(8, LATE)).isTrue();
    }

    @Test
    void atTheCeilingItIsBehindHoweverRecentItsPing() {
        UnreadNotices notices = new UnreadNotices();
        write(notices, 8 * UnreadNotices.CEILING - 1);
        assertThat(notices.behind(8, 0)).isFalse();
        write(notices, 1);
        assertThat(notices.behind(8, 0)).isTrue();
    }

    @Test
    void aPongEchoingThePingAcknowledgesWhatWasSentBeforeIt() {
        UnreadNotices notices = new UnreadNotices();
        notices.add();
        notices.add();
        ByteBuf ping = notices.pingIfDue(2, 0);
        assertThat(ping).isNotNull();
        write(notices, 7);
        notices.pong(ping);
        assertThat(notices.unread()).as("those sent after the ping").isEqualTo(7);
        assertThat(notices.behind(8, LATE)).isFalse();
    }

    @Test
    void theKeepalivePingCarriesTheOutstandingToken() {
        UnreadNotices notices = new UnreadNotices();
        assertThat(notices.keepalivePayload(0).readableBytes()).as("nothing unread: empty").isZero();
        notices.add();
        ByteBuf first = notices.keepalivePayload(0);
        assertThat(first.readableBytes()).as("unread: a token").isEqualTo(8);
        notices.add();
        ByteBuf again = notices.keepalivePayload(0);
        assertThat(again.getLong(0)).as("the same, outstanding").isEqualTo(first.getLong(0));
        notices.pong(again); // a client answering only the latest ping
        assertThat(notices.unread()).isEqualTo(1);
    }

    @Test
    void oneCheckAtATime() {
        UnreadNotices notices = new UnreadNotices();
        assertThat(notices.startCheck()).isTrue();
        assertThat(notices.startCheck()).isFalse();
        notices.endCheck();
        assertThat(notices.startCheck()).isTrue();
    }
}
