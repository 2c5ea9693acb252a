package dev.switchboard.core.hub;

import static dev.switchboard.core.hub.HubFixture.ROOM;
import static dev.switchboard.core.hub.HubFixture.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.JoinResult;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.core.bus.InMemoryNetwork;
import dev.switchboard.core.hub.HubFixture.Events;
import dev.switchboard.core.hub.HubFixture.Member;
import dev.switchboard.core.hub.HubFixture.RecordingOutlet;
import dev.switchboard.core.hub.HubFixture.SlowBus;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parking and resume in the hub (docs/design/resume.md), on one node and across nodes of an in-memory network:
 * a dropped member that may resume is parked (nobody hears it leave, what is sent to it is kept), a resume with
 * the same proof takes it over and gets what was kept first, in order, then what came while its claim was in
 * flight; a wrong proof is refused; the window's end makes it leave.
 */
class HubResumeTest {
    private static final Map<String, String> PROOF = Map.of(MemberInfo.RESUME, "digest-1");

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Member member(String id, Map<String, String> meta) {
        return new Member(id, new RecordingOutlet(), meta);
    }

    private static void join(Hub hub, Member m, JoinPolicy policy) {
        assertThat(hub.join(ROOM, m, policy).toCompletableFuture().join().joined()).isTrue();
    }

    @Test
    void aParkedMemberIsResumedOnItsNodeWithWhatWasSentMeanwhileInOrder() {
        Hub hub = new Hub(new InMemoryBus("n1"));
        Events events = new Events();
        hub.handle("test", events);
        Member alice = member("alice", PROOF);
        Member bob = member("bob", Map.of());
        join(hub, alice, JoinPolicy.EXCLUSIVE);
        join(hub, bob, JoinPolicy.EXCLUSIVE);
        events.seen.clear();
        assertThat(hub.disconnected(ROOM, alice)).isTrue();
        assertThat(hub.resumeStats().parked()).isEqualTo(1);
        assertThat(hub.send(ROOM, "alice", msg("1")).toCompletableFuture().join()).isTrue();
        hub.broadcast(ROOM, msg("2"), "bob");
        assertThat(hub.send(ROOM, "alice", msg("3")).toCompletableFuture().join()).isTrue();
        assertThat(alice.inbox).isEmpty();
        assertThat(hub.knownCount(ROOM)).isEqualTo(2); // still a member for everyone

        Member back = member("alice", PROOF);
        JoinResult result = hub.join(ROOM, back, JoinPolicy.RESUME).toCompletableFuture().join();
        assertThat(result.resumed()).isTrue();
        assertThat(result.parked()).isTrue();
        assertThat(result.others()).extracting(MemberInfo::id).containsExactly("bob");
        hub.send(ROOM, "alice", msg("4")).toCompletableFuture().join();
        assertThat(back.inbox).containsExactly("1", "2", "3", "4");
        assertThat(events.seen).isEmpty(); // bob heard neither a leave nor a join
        assertThat(hub.resumeStats().parked()).isZero();
        assertThat(hub.resumeStats().resumed()).isEqualTo(1);
        assertThat(hub.resumeStats().kept()).isEqualTo(3);
    }

    @Test
    void aResumeWithAnotherProofIsRefusedAndOneWithoutAParkedHolderJoinsFresh() {
        Hub hub = new Hub(new InMemoryBus("n1"));
        Member alice = member("alice", PROOF);
        join(hub, alice, JoinPolicy.EXCLUSIVE);
        hub.disconnected(ROOM, alice);
        JoinResult wrong = hub.join(ROOM, member("alice", Map.of(MemberInfo.RESUME, "other")), JoinPolicy.RESUME)
                .toCompletableFuture().join();
        assertThat(wrong.joined()).isFalse();
        assertThat(wrong.holder().id()).isEqualTo("alice");
        JoinResult fresh = hub.join(ROOM, member("carol", PROOF), JoinPolicy.RESUME).toCompletableFuture().join();
        assertThat(fresh.joined()).isTrue();
        assertThat(fresh.resumed()).isFalse();
    }

    @Test
    void aMemberWithoutProofOrWithResumeOffLeavesAtOnce() {
        Hub off = new Hub(new InMemoryBus("n1"), ResumeLimits.OFF);
        Events events = new Events();
        off.handle("test", events);
        Member alice = member("alice", PROOF);
        join(off, alice, JoinPolicy.EXCLUSIVE);
        join(off, member("bob", Map.of()), JoinPolicy.EXCLUSIVE);
        assertThat(off.disconnected(ROOM, alice)).isFalse();
        assertThat(events.seen).contains("left alice LEFT to [bob]");

        Hub on = new Hub(new InMemoryBus("n2"));
        Member plain = member("plain", Map.of());
        join(on, plain, JoinPolicy.EXCLUSIVE);
        assertThat(on.disconnected(ROOM, plain)).isFalse();
        assertThat(on.members(ROOM).toCompletableFuture().join()).isEmpty();
    }

    @Test
    void aParkedMemberLeavesWhenTheWindowEnds() {
        Hub hub = new Hub(new InMemoryBus("n1"), new ResumeLimits(Duration.ofMillis(300), 10, 10_000));
        Events events = new Events();
        hub.handle("test", events);
        Member alice = member("alice", PROOF);
        join(hub, alice, JoinPolicy.EXCLUSIVE);
        join(hub, member("bob", Map.of()), JoinPolicy.EXCLUSIVE);
        hub.disconnected(ROOM, alice);
        hub.send(ROOM, "alice", msg("lost")).toCompletableFuture().join();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!events.seen.contains("left alice LEFT to [bob]") && System.nanoTime() < deadline) {
            sleep();
        }
        assertThat(events.seen).contains("left alice LEFT to [bob]");
        assertThat(hub.resumeStats().expired()).isEqualTo(1);
        Member late = member("alice", PROOF);
        JoinResult result = hub.join(ROOM, late, JoinPolicy.RESUME).toCompletableFuture().join();
        assertThat(result.resumed()).isFalse(); // starts fresh: nothing kept, everyone hears it join
        assertThat(late.inbox).isEmpty();
        assertThat(events.seen).contains("joined alice to [bob]");
    }

    @Test
    void aFullMailboxDropsAndCounts() {
        Hub hub = new Hub(new InMemoryBus("n1"), new ResumeLimits(Duration.ofSeconds(30), 2, 10_000));
        Member alice = member("alice", PROOF);
        join(hub, alice, JoinPolicy.EXCLUSIVE);
        hub.disconnected(ROOM, alice);
        for (String m : new String[] {"1", "2", "3"}) {
            hub.send(ROOM, "alice", msg(m)).toCompletableFuture().join();
        }
        Member back = member("alice", PROOF);
        join(hub, back, JoinPolicy.RESUME);
        assertThat(back.inbox).containsExactly("1", "2");
        assertThat(hub.resumeStats().dropped()).isEqualTo(1);
    }

    @Test
    void aStaleConnectionIsReplacedByTheResumeAndToldWhy() {
        Hub hub = new Hub(new InMemoryBus("n1"));
        Events events = new Events();
        hub.handle("test", events);
        Member stale = member("alice", PROOF);
        join(hub, stale, JoinPolicy.EXCLUSIVE);
        join(hub, member("bob", Map.of()), JoinPolicy.EXCLUSIVE);
        events.seen.clear();
        Member back = member("alice", PROOF);
        JoinResult result = hub.join(ROOM, back, JoinPolicy.RESUME).toCompletableFuture().join();
        assertThat(result.resumed()).isTrue();
        assertThat(result.parked()).isFalse();
        assertThat(stale.evictions).containsExactly(ROOM + ":resumed");
        hub.send(ROOM, "alice", msg("x")).toCompletableFuture().join();
        assertThat(back.inbox).containsExactly("x");
        assertThat(stale.inbox).isEmpty();
        assertThat(events.seen).isEmpty();
    }

    @Test
    void aMemberParkedOnOneNodeResumesOnAnotherAndNobodyHearsOfIt() {
        InMemoryNetwork net = new InMemoryNetwork();
        Hub n1 = new Hub(new InMemoryBus(net, "n1"));
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Events e1 = new Events();
        Events e2 = new Events();
        n1.handle("test", e1);
        n2.handle("test", e2);
        Member alice = member("alice", PROOF);
        Member bob = member("bob", Map.of());
        Member carol = member("carol", Map.of());
        join(n1, alice, JoinPolicy.EXCLUSIVE);
        join(n1, bob, JoinPolicy.EXCLUSIVE);
        join(n2, carol, JoinPolicy.EXCLUSIVE);
        e1.seen.clear();
        e2.seen.clear();
        n1.disconnected(ROOM, alice);
        n1.send(ROOM, "alice", msg("from bob")).toCompletableFuture().join();
        n2.send(ROOM, "alice", msg("from carol")).toCompletableFuture().join();
        Member back = member("alice", PROOF);
        JoinResult result = n2.join(ROOM, back, JoinPolicy.RESUME).toCompletableFuture().join();
        assertThat(result.resumed()).isTrue();
        assertThat(result.others()).extracting(MemberInfo::id).containsExactly("bob", "carol");
        assertThat(back.inbox).containsExactly("from bob", "from carol");
        n1.send(ROOM, "alice", msg("after")).toCompletableFuture().join();
        assertThat(back.inbox).containsExactly("from bob", "from carol", "after");
        assertThat(e1.seen).isEmpty();
        assertThat(e2.seen).isEmpty();
        assertThat(n1.resumeStats().parked()).isZero();
        assertThat(n2.member(ROOM, "alice")).get().extracting(MemberInfo::nodeId).isEqualTo("n2");
        assertThat(n1.member(ROOM, "alice")).get().extracting(MemberInfo::nodeId).isEqualTo("n2");
    }

    /**
     * The interleaving the mailbox alone cannot order: a message reaches the parked member's old node after the
     * resume claim took the mailbox but before that node heard of the resume. The old node finds the member gone
     * from the bus and sends it on; the new node holds it until its claim is answered, then writes it after
     * what was kept.
     */
    @Test
    void aMessageCrossingTheResumeArrivesAfterTheMailboxAndOnce() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus old = new SlowBus(net, "n1");
        SlowBus slow = new SlowBus(net, "n2");
        Hub n1 = new Hub(old);
        Hub n2 = new Hub(slow);
        Member alice = member("alice", PROOF);
        Member bob = member("bob", Map.of());
        join(n1, alice, JoinPolicy.EXCLUSIVE);
        join(n1, bob, JoinPolicy.EXCLUSIVE);
        join(n2, member("carol", Map.of()), JoinPolicy.EXCLUSIVE);
        n1.disconnected(ROOM, alice);
        n1.send(ROOM, "alice", msg("kept")).toCompletableFuture().join();
        slow.holdClaims = true;
        old.holdJoins = true; // n1 has not heard of the resume yet
        Member back = member("alice", PROOF);
        var resuming = n2.join(ROOM, back, JoinPolicy.RESUME).toCompletableFuture();
        // the claim ran (mailbox taken); neither n1 nor n2 has heard of it
        n1.send(ROOM, "alice", msg("crossing")).toCompletableFuture().join();
        assertThat(back.inbox).isEmpty();
        slow.releaseClaims();
        old.releaseJoins();
        assertThat(resuming.join().resumed()).isTrue();
        assertThat(back.inbox).containsExactly("kept", "crossing");
    }

    /**
     * On the parked member's own node: a message that comes while the resume claim is in flight is held (not
     * mailed: the claim took the mailbox already) and written after what was kept.
     */
    @Test
    void aMessageDuringAResumeOnTheSameNodeIsHeldAndComesAfterTheMailbox() {
        SlowBus slow = new SlowBus(new InMemoryNetwork(), "n1");
        Hub hub = new Hub(slow);
        Member alice = member("alice", PROOF);
        join(hub, alice, JoinPolicy.EXCLUSIVE);
        join(hub, member("bob", Map.of()), JoinPolicy.EXCLUSIVE);
        hub.disconnected(ROOM, alice);
        hub.send(ROOM, "alice", msg("kept")).toCompletableFuture().join();
        slow.holdClaims = true;
        Member back = member("alice", PROOF);
        var resuming = hub.join(ROOM, back, JoinPolicy.RESUME).toCompletableFuture();
        assertThat(hub.send(ROOM, "alice", msg("during")).toCompletableFuture().join()).isTrue();
        hub.broadcast(ROOM, msg("to all"), "bob");
        slow.releaseClaims();
        assertThat(resuming.join().resumed()).isTrue();
        assertThat(back.inbox).containsExactly("kept", "during", "to all");
        assertThat(hub.resumeStats().kept()).isEqualTo(1);
    }
}
