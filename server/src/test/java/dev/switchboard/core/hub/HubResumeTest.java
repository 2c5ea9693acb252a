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
import java.util.concurrent.CompletableFuture;
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
     * Three nodes of one network, each on a {@link SlowBus} (which holds nothing until told to): alice, who may
     * resume, parked on n1 (with bob there too when asked), carol on n2, dave on n3.
     */
    private record Three(SlowBus b1, Hub n1, SlowBus b2, Hub n2, SlowBus b3, Hub n3, Member alice) {
        static Three aliceParkedOnN1(boolean bobOnN1) {
            InMemoryNetwork net = new InMemoryNetwork();
            SlowBus b1 = new SlowBus(net, "n1");
            SlowBus b2 = new SlowBus(net, "n2");
            SlowBus b3 = new SlowBus(net, "n3");
            Three t = new Three(b1, new Hub(b1), b2, new Hub(b2), b3, new Hub(b3), member("alice", PROOF));
            join(t.n1, t.alice, JoinPolicy.EXCLUSIVE);
            if (bobOnN1) {
                join(t.n1, member("bob", Map.of()), JoinPolicy.EXCLUSIVE);
            }
            join(t.n2, member("carol", Map.of()), JoinPolicy.EXCLUSIVE);
            join(t.n3, member("dave", Map.of()), JoinPolicy.EXCLUSIVE);
            t.n1.disconnected(ROOM, t.alice);
            return t;
        }

        /** alice back on n2 with her proof; the claim's answer may be held ({@code b2.holdClaims}). */
        CompletableFuture<JoinResult> resumeOnN2(Member back) {
            return n2.join(ROOM, back, JoinPolicy.RESUME).toCompletableFuture();
        }
    }

    /**
     * A sender on a third node that has not heard of the resume yet sends to the member's old node, which has:
     * the old node no longer holds the member (its stand-in gave way to the join) and sends the message on to
     * where the member is now, once, instead of dropping it.
     */
    @Test
    void aMessageReachingTheOldNodeAfterItHeardOfTheResumeIsSentOnOnce() {
        Three t = Three.aliceParkedOnN1(true);
        t.n3.send(ROOM, "alice", msg("kept")).toCompletableFuture().join();
        t.b3.holdJoins = true; // n3 has not heard of the resume yet; n1 and n2 have
        Member back = member("alice", PROOF);
        assertThat(t.resumeOnN2(back).join().resumed()).isTrue();
        assertThat(t.n1.member(ROOM, "alice")).get().extracting(MemberInfo::nodeId).isEqualTo("n2");
        // n3 still routes to n1
        assertThat(t.n3.send(ROOM, "alice", msg("crossing")).toCompletableFuture().join()).isTrue();
        t.b3.releaseJoins();
        t.n3.send(ROOM, "alice", msg("after")).toCompletableFuture().join();
        assertThat(back.inbox).containsExactly("kept", "crossing", "after");
        assertThat(t.alice.inbox).isEmpty();
        assertThat(t.n1.resumeStats().sentOn()).isEqualTo(1);
    }

    // ---- one sender's order across a move (docs/design/resume.md, "Order across a move") ----

    /**
     * A third node's message went to the old node (it had not heard of the resume); its next one, sent once it
     * had, goes straight to the new node and would overtake the first, which the old node is slow to pass on.
     * It waits behind the sender's fence, which the old node passes on after the first. (The old node has no
     * other member: the room went with alice, and where she went is remembered apart from it.)
     */
    @Test
    void aSendersMessageToTheOldNodeStaysAheadOfItsNextOneToTheNew() {
        Three t = Three.aliceParkedOnN1(false);
        t.b3.holdJoins = true;
        Member back = member("alice", PROOF);
        assertThat(t.resumeOnN2(back).join().resumed()).isTrue();
        t.b1.holdArrivals = true; // n1 is slow to read
        t.n3.send(ROOM, "alice", msg("1")).toCompletableFuture().join(); // to n1: n3 has not heard yet
        t.b3.releaseJoins(); // now it has
        var second = t.n3.send(ROOM, "alice", msg("2")).toCompletableFuture();
        assertThat(back.inbox).isEmpty();
        t.b1.releaseArrivals();
        assertThat(second.join()).isTrue();
        assertThat(back.inbox).containsExactly("1", "2");
        assertThat(t.n3.resumeStats().fencesTimedOut()).isZero();
    }

    /**
     * The old node is dead (killed, not yet reaped): a third node's message to it found nobody and is on its way
     * to the mailbox, which answers that the member resumed; the sender's next one, sent once it heard of the
     * resume, waits for that detour to end.
     */
    @Test
    void aSendersDetourAfterTheOldNodesDeathStaysAheadOfItsNextMessage() {
        Three t = Three.aliceParkedOnN1(false);
        t.b3.gone.add("n1"); // n3 finds nobody on n1's channel
        t.b3.holdJoins = true;
        Member back = member("alice", PROOF);
        assertThat(t.resumeOnN2(back).join().resumed()).isTrue();
        t.b3.holdMail = true; // the mailbox's answer (resumed: GONE) is slow
        var first = t.n3.send(ROOM, "alice", msg("1")).toCompletableFuture();
        t.b3.releaseJoins();
        var second = t.n3.send(ROOM, "alice", msg("2")).toCompletableFuture();
        assertThat(back.inbox).isEmpty();
        t.b3.releaseMail();
        assertThat(first.join()).isTrue();
        assertThat(second.join()).isTrue();
        assertThat(back.inbox).containsExactly("1", "2");
    }

    /**
     * On the old node itself: a local sender's message to the parked member was on its way to the mailbox when
     * the resume elsewhere took it (GONE, sent on); the sender's next one, once this node heard of the resume,
     * goes straight to the new node and waits for the first.
     */
    @Test
    void theOldNodesOwnSenderKeepsItsOrderAcrossTheMove() {
        Three t = Three.aliceParkedOnN1(true);
        t.b1.holdJoins = true;
        Member back = member("alice", PROOF);
        assertThat(t.resumeOnN2(back).join().resumed()).isTrue();
        t.b1.holdMail = true;
        t.n1.send(ROOM, "alice", msg("1")); // to the parked stand-in: mailed, GONE, sent on
        t.b1.releaseJoins();
        var second = t.n1.send(ROOM, "alice", msg("2")).toCompletableFuture();
        assertThat(back.inbox).isEmpty();
        t.b1.releaseMail();
        assertThat(second.join()).isTrue();
        assertThat(back.inbox).containsExactly("1", "2");
    }

    /**
     * On the new node: a local sender's message went to the old node just before the resume, and reaches it
     * after; the sender's next one, after the answer, is for a local member and waits until the first has come
     * back round. (While the claim is in flight, a local sender's messages are held here, not sent away.)
     */
    @Test
    void theNewNodesOwnSenderKeepsItsOrderAcrossTheMove() {
        Three t = Three.aliceParkedOnN1(false);
        t.b1.holdArrivals = true; // n1 is slow to read
        t.n2.send(ROOM, "alice", msg("1")); // to n1, before the resume
        t.b2.holdClaims = true;
        Member back = member("alice", PROOF);
        var resuming = t.resumeOnN2(back);
        t.b2.releaseClaims();
        assertThat(resuming.join().resumed()).isTrue();
        var second = t.n2.send(ROOM, "alice", msg("2")).toCompletableFuture();
        assertThat(back.inbox).isEmpty();
        t.b1.releaseArrivals();
        assertThat(second.join()).isTrue();
        assertThat(back.inbox).containsExactly("1", "2");
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
