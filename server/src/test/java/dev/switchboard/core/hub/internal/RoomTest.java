package dev.switchboard.core.hub.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The record of changes kept for joiners whose claims are in flight. */
class RoomTest {
    private static Room.Change joined(String id, long seq) {
        return new Room.Change(seq, new MemberInfo(id, "n2", Map.of()), true, null);
    }

    @Test
    void aJoinerHearsOnlyTheRecordedChangesAfterItsPosition() {
        Room room = new Room(new RoomKey("test", "r"), true);
        long mark = room.claimStarted();
        room.record(joined("a", 4));
        room.record(joined("b", 6));
        assertThat(room.changesAfter(5)).extracting(c -> c.member().id()).containsExactly("b");
        room.claimAnswered(mark);
        assertThat(room.recorded()).isZero();
    }

    /** Under constant churn some claim is always in flight: what no claim in flight can need goes. */
    @Test
    void theRecordStaysBoundedWhileClaimsOverlapWithoutEnd() {
        Room room = new Room(new RoomKey("test", "r"), true);
        long seq = 0;
        long previous = room.claimStarted();
        for (int i = 0; i < 10_000; i++) {
            room.record(joined("m" + i, ++seq));
            long next = room.claimStarted(); // the next joiner's claim starts before the previous one is answered
            room.claimAnswered(previous);
            previous = next;
            assertThat(room.recorded()).isLessThanOrEqualTo(1);
        }
        room.record(joined("late", ++seq));
        assertThat(room.changesAfter(seq - 1)).extracting(c -> c.member().id()).containsExactly("late");
        room.claimAnswered(previous);
        assertThat(room.recorded()).isZero();
    }

    @Test
    void aChangeThatArrivedAfterAClaimStartedIsKeptForItUntilItIsAnswered() {
        Room room = new Room(new RoomKey("test", "r"), true);
        long first = room.claimStarted();
        room.record(joined("before-second", 3));
        long second = room.claimStarted();
        room.record(joined("after-second", 5));
        room.claimAnswered(first); // the second may still need what came after it started, not before
        assertThat(room.changesAfter(0)).extracting(c -> c.member().id()).containsExactly("after-second");
        room.claimAnswered(second);
        assertThat(room.recorded()).isZero();
    }
}
