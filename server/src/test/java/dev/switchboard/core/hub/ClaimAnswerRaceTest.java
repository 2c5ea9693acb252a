package dev.switchboard.core.hub;

import static dev.switchboard.core.hub.HubFixture.ROOM;
import static dev.switchboard.core.hub.HubFixture.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.core.hub.HubFixture.Member;
import dev.switchboard.core.hub.HubFixture.RecordingOutlet;
import dev.switchboard.core.hub.internal.Moves;
import dev.switchboard.core.hub.internal.Room;
import dev.switchboard.core.hub.internal.Rooms;
import dev.switchboard.core.hub.internal.Routing;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A message from another node for a member whose claim is being answered right now: the answer stops holding
 * the id and admits the member in one step under the room's lock, and a message that looks in between (no
 * longer held, not yet admitted) must wait for that step and reach the member, after what was held for it —
 * not be dropped (PeerJsClusterTest lost a queued message so, once in about ten runs).
 */
class ClaimAnswerRaceTest {

    @Test
    void aMessageArrivingWhileAClaimIsAnsweredReachesTheMemberAfterWhatWasHeld() throws Exception {
        InMemoryBus bus = new InMemoryBus("n1");
        Rooms rooms = new Rooms(bus, namespace -> true);
        ResumeStats stats = new ResumeStats();
        Routing routing = new Routing(bus, rooms, ResumeLimits.DEFAULT, stats, new Moves(bus, rooms, stats));
        Room room = rooms.getOrCreate(ROOM);
        room.holdFor("carol", false);
        assertThat(room.hold("carol", msg("held"))).isTrue(); // arrived while the claim was in flight
        Member carol = new Member("carol", new RecordingOutlet());

        Thread late;
        synchronized (room) { // as Membership answers a claim: stop holding, then admit, in one locked step
            List<Envelope> held = room.stopHolding("carol", true);
            late = new Thread(() -> routing.message(ROOM, "carol", null, msg("late")));
            late.start();
            late.join(300); // it must wait for this step: finished here, it would have found no one
            assertThat(late.isAlive()).as("the message waits for the claim's answer").isTrue();
            assertThat(room.admit(carol, 1, List.of(), held)).isTrue();
        }
        late.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(carol.inbox).containsExactly("held", "late");
    }
}
