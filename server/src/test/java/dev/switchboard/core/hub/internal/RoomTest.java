package dev.switchboard.core.hub.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The record of changes kept for joiners whose claims are in flight; finding a local member by id. */
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

    private record Member(String id) implements LocalMember {
        @Override
        public Endpoint endpoint() {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * Past {@link Room#INDEX_ABOVE} members a room finds them by id through an index; it answers as the scan
     * of a small room does: the first member with the id (a holder before the newcomer taking it over), the
     * newcomer once the holder is gone, nobody once both are.
     */
    @Test
    void aLargeRoomFindsItsMembersByIdAsASmallOneDoes() {
        for (int size : new int[] {3, Room.INDEX_ABOVE + 20}) {
            Room room = new Room(new RoomKey("test", "r" + size), true);
            Member[] members = new Member[size];
            for (int i = 0; i < size; i++) {
                members[i] = new Member("m" + i);
                room.add(members[i], i + 1);
            }
            for (Member m : members) {
                assertThat(room.local(m.id())).isSameAs(m);
            }
            assertThat(room.local("nobody")).isNull();
            assertThat(room.local(null)).isNull();

            Member holder = members[1];
            Member newcomer = new Member(holder.id());
            room.add(newcomer, Room.PENDING);
            assertThat(room.local(holder.id())).isSameAs(holder);
            room.remove(holder);
            assertThat(room.local(holder.id())).isSameAs(newcomer);
            room.remove(newcomer);
            assertThat(room.local(holder.id())).isNull();

            room.remove(members[0]);
            assertThat(room.local("m0")).isNull();
            assertThat(room.local("m" + (size - 1))).isSameAs(members[size - 1]);
        }
    }
}
