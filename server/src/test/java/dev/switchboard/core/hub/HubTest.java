package dev.switchboard.core.hub;

import static dev.switchboard.core.hub.HubFixture.ROOM;
import static dev.switchboard.core.hub.HubFixture.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.JoinResult;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.core.bus.InMemoryNetwork;
import dev.switchboard.core.hub.HubFixture.Events;
import dev.switchboard.core.hub.HubFixture.Member;
import dev.switchboard.core.hub.HubFixture.RecordingOutlet;
import dev.switchboard.core.hub.HubFixture.SlowBus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hub's rules, on one node and on several nodes sharing an in-memory network (the same contract the Redis
 * bus keeps): delivery, uniqueness, takeover, membership events, and rooms freed when empty.
 */
class HubTest {

    @Test
    void broadcastEncodesOnceForAllLocalReceiversAndHonoursExcept() {
        Hub hub = new Hub(new InMemoryBus("n1"));
        RecordingOutlet outlet = new RecordingOutlet();
        Member a = new Member("a", outlet);
        Member b = new Member("b", outlet);
        Member c = new Member("c", outlet);
        for (Member m : List.of(a, b, c)) {
            hub.join(ROOM, m, JoinPolicy.SHARED);
        }
        hub.broadcast(ROOM, msg("hi"), "b");
        assertThat(outlet.encodings).isEqualTo(1);
        assertThat(a.inbox).containsExactly("hi");
        assertThat(b.inbox).isEmpty();
        assertThat(c.inbox).containsExactly("hi");
        assertThat(hub.send(ROOM, "b", msg("direct")).toCompletableFuture().join()).isTrue();
        assertThat(b.inbox).containsExactly("direct");
        assertThat(hub.send(ROOM, "nobody", msg("x")).toCompletableFuture().join()).isFalse();
    }

    @Test
    void roomIsFreedWhenItsLastMemberLeavesAndJoinIsIdempotent() {
        Hub hub = new Hub(new InMemoryBus("n1"));
        RecordingOutlet outlet = new RecordingOutlet();
        Member a = new Member("a", outlet);
        Events events = new Events();
        Member b = new Member("b", outlet);
        hub.handle("test", events);
        hub.join(ROOM, a, JoinPolicy.SHARED);
        hub.join(ROOM, a, JoinPolicy.SHARED);
        assertThat(hub.knownCount(ROOM)).isEqualTo(1);
        assertThat(events.seen).isEmpty(); // nobody to tell
        assertThat(hub.join(ROOM, b, JoinPolicy.SHARED).toCompletableFuture().join().others())
                .extracting(MemberInfo::id).containsExactly("a");
        assertThat(events.seen).containsExactly("joined b to [a]");
        hub.leave(ROOM, a);
        hub.leave(ROOM, a);
        assertThat(events.seen).containsExactly("joined b to [a]", "left a LEFT to [b]");
        hub.leave(ROOM, b);
        assertThat(events.seen).hasSize(2);
        assertThat(hub.roomCount()).isZero();
        assertThat(hub.knownCount(ROOM)).isEqualTo(-1);
        assertThat(hub.count(ROOM).toCompletableFuture().join()).isZero();
    }

    @Test
    void clusterDeliversAcrossNodesAndCountsEveryMember() {
        InMemoryNetwork net = new InMemoryNetwork();
        Hub n1 = new Hub(new InMemoryBus(net, "n1"));
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Hub n3 = new Hub(new InMemoryBus(net, "n3"));
        RecordingOutlet o1 = new RecordingOutlet();
        RecordingOutlet o2 = new RecordingOutlet();
        Member a = new Member("a", o1);
        Member b = new Member("b", o2);
        n1.join(ROOM, a, JoinPolicy.SHARED);
        n2.join(ROOM, b, JoinPolicy.SHARED);
        assertThat(n1.knownCount(ROOM)).isEqualTo(2);
        assertThat(n2.knownCount(ROOM)).isEqualTo(2);
        assertThat(n3.knownCount(ROOM)).isEqualTo(-1);
        assertThat(n3.count(ROOM).toCompletableFuture().join()).isEqualTo(2);

        n1.broadcast(ROOM, msg("from a"), null);
        n3.broadcast(ROOM, msg("from n3"), null); // a publisher on a node with no member of the room
        assertThat(a.inbox).containsExactly("from a", "from n3");
        assertThat(b.inbox).containsExactly("from a", "from n3");
        assertThat(n1.send(ROOM, "b", msg("to b")).toCompletableFuture().join()).isTrue();
        assertThat(n3.send(ROOM, "a", msg("to a")).toCompletableFuture().join()).isTrue();
        assertThat(b.inbox).endsWith("to b");
        assertThat(a.inbox).endsWith("to a");
    }

    @Test
    void exclusiveIdsAreUniqueClusterWide() {
        InMemoryNetwork net = new InMemoryNetwork();
        Hub n1 = new Hub(new InMemoryBus(net, "n1"));
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Member first = new Member("paris", new RecordingOutlet());
        Member second = new Member("paris", new RecordingOutlet());
        JoinResult r1 = n1.join(ROOM, first, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        JoinResult r2 = n2.join(ROOM, second, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        assertThat(r1.joined()).isTrue();
        assertThat(r2.joined()).isFalse();
        assertThat(r2.holder().nodeId()).isEqualTo("n1");
        assertThat(n2.roomCount()).isZero();
        n1.leave(ROOM, first);
        assertThat(n2.join(ROOM, second, JoinPolicy.EXCLUSIVE).toCompletableFuture().join().joined()).isTrue();
    }

    @Test
    void takeoverEvictsTheHolderOnItsNodeAndEveryoneSeesIt() {
        InMemoryNetwork net = new InMemoryNetwork();
        Hub n1 = new Hub(new InMemoryBus(net, "n1"));
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Events e1 = new Events();
        Events e2 = new Events();
        n1.handle("test", e1);
        n2.handle("test", e2);
        Member watcher = new Member("w", new RecordingOutlet());
        Member old = new Member("id1", new RecordingOutlet(), Map.of("k", "old"));
        Member replacement = new Member("id1", new RecordingOutlet(), Map.of("k", "new"));
        n2.join(ROOM, watcher, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        n1.join(ROOM, old, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        JoinResult r = n2.join(ROOM, replacement, JoinPolicy.TAKEOVER).toCompletableFuture().join();
        assertThat(r.joined()).isTrue();
        assertThat(r.others()).extracting(MemberInfo::id).containsExactly("w");
        assertThat(old.evictions).containsExactly("test:room:replaced");
        assertThat(n1.roomCount()).isZero();
        assertThat(e2.seen).containsExactly("joined id1 to [w]", "left id1 REPLACED to [w]", "joined id1 to [w]");
        List<MemberInfo> members = n2.members(ROOM).toCompletableFuture().join();
        assertThat(members).extracting(m -> m.meta("k")).containsExactly(null, "new");
    }

    @Test
    void aNodeLeavingRemovesItsMembersEverywhere() {
        InMemoryNetwork net = new InMemoryNetwork();
        InMemoryBus bus1 = new InMemoryBus(net, "n1");
        Hub n1 = new Hub(bus1);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Events e2 = new Events();
        n2.handle("test", e2);
        Member survivor = new Member("s", new RecordingOutlet());
        n2.join(ROOM, survivor, JoinPolicy.SHARED);
        n1.join(ROOM, new Member("x", new RecordingOutlet()), JoinPolicy.SHARED);
        n1.join(ROOM, new Member("y", new RecordingOutlet()), JoinPolicy.SHARED);
        assertThat(n2.knownCount(ROOM)).isEqualTo(3);
        bus1.close();
        assertThat(n2.knownCount(ROOM)).isEqualTo(1);
        assertThat(e2.seen).containsExactly("joined x to [s]", "joined y to [s]", "left x LEFT to [s]", "left y LEFT to [s]");
        assertThat(n2.members(ROOM).toCompletableFuture().join()).extracting(MemberInfo::id).containsExactly("s");
    }

    @Test
    void aSendWaitingToFindItsTargetIsNotOvertakenByTheNextOne() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Member sender = new Member("s", new RecordingOutlet());
        Member target = new Member("t", new RecordingOutlet());
        n1.join(ROOM, sender, JoinPolicy.SHARED).toCompletableFuture().join();
        slow.holdJoins = true;
        n2.join(ROOM, target, JoinPolicy.SHARED).toCompletableFuture().join(); // n1 has not heard of it yet
        slow.holdReads = true;
        var first = n1.send(ROOM, "t", msg("1")).toCompletableFuture(); // must ask the cluster where t is
        slow.releaseJoins(); // now n1's view has t: a next send could go straight to it
        var second = n1.send(ROOM, "t", msg("2")).toCompletableFuture();
        assertThat(target.inbox).isEmpty(); // the second waits behind the first
        slow.releaseReads();
        assertThat(first.join()).isTrue();
        assertThat(second.join()).isTrue();
        assertThat(target.inbox).containsExactly("1", "2");
    }

    @Test
    void joinsAndLeavesElsewhereWhileAClaimIsAnsweredAreToldAfterTheJoinersList() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Events e1 = new Events();
        n1.handle("test", e1);
        Member leaving = new Member("leaving", new RecordingOutlet());
        n2.join(ROOM, leaving, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        slow.holdClaims = true;
        var joining = n1.join(ROOM, new Member("me", new RecordingOutlet()), JoinPolicy.EXCLUSIVE).toCompletableFuture();
        // after the claim's snapshot (which lists "leaving"), before its answer arrives here:
        n2.join(ROOM, new Member("late", new RecordingOutlet()), JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        n2.leave(ROOM, leaving);
        assertThat(e1.seen).isEmpty(); // nobody here knows its place in the order yet
        slow.releaseClaims();
        JoinResult result = joining.join();
        assertThat(result.joined()).isTrue();
        assertThat(result.others()).extracting(MemberInfo::id).containsExactly("leaving");
        assertThat(e1.seen).containsExactly("joined late to [me]", "left leaving LEFT to [me]");
        assertThat(n1.knownCount(ROOM)).isEqualTo(2);
    }

    // ---- the interleavings behind issue 18: each member learns of each other exactly once ----

    /** Two nodes new to a room, a joiner on each, both claims run before either answer is back. */
    @Test
    void twoJoinersOnTwoNodesAtOnceExactlyOneListsTheOther() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow1 = new SlowBus(net, "n1");
        SlowBus slow2 = new SlowBus(net, "n2");
        Hub n1 = new Hub(slow1);
        Hub n2 = new Hub(slow2);
        Events e1 = new Events();
        Events e2 = new Events();
        n1.handle("test", e1);
        n2.handle("test", e2);
        slow1.holdClaims = true;
        slow2.holdClaims = true;
        // b's node follows the room before a's claim runs, so it hears a's join before b's answer is back
        var b = n2.join(ROOM, new Member("b", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture();
        var a = n1.join(ROOM, new Member("a", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture();
        assertThat(e1.seen).isEmpty();
        assertThat(e2.seen).isEmpty();
        slow1.releaseClaims();
        slow2.releaseClaims();
        assertThat(b.join().others()).isEmpty();
        assertThat(a.join().others()).extracting(MemberInfo::id).containsExactly("b");
        assertThat(e2.seen).containsExactly("joined a to [b]");
        assertThat(e1.seen).isEmpty();
    }

    /** One node, a room new to it, two joiners before its first read of the cluster is back. */
    @Test
    void twoJoinersOfARoomNewToTheNodeAreOrderedByTheirClaims() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Events e1 = new Events();
        n1.handle("test", e1);
        slow.holdReads = true;
        slow.holdClaims = true;
        var a = n1.join(ROOM, new Member("a", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture();
        var b = n1.join(ROOM, new Member("b", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture();
        slow.releaseReads();
        assertThat(e1.seen).isEmpty(); // neither knows its place yet
        slow.releaseClaims();
        // whichever claim ran first is listed by the other and tells it of the other, once
        List<String> aKnows = a.join().others().stream().map(MemberInfo::id).toList();
        List<String> bKnows = b.join().others().stream().map(MemberInfo::id).toList();
        if (aKnows.isEmpty()) {
            assertThat(bKnows).containsExactly("a");
            assertThat(e1.seen).containsExactly("joined b to [a]");
        } else {
            assertThat(aKnows).containsExactly("b");
            assertThat(bKnows).isEmpty();
            assertThat(e1.seen).containsExactly("joined a to [b]");
        }
    }

    /** Answers that come back in the other order than the claims ran: the order is the cluster's, not theirs. */
    @Test
    void aLaterClaimAnsweredFirstStillHearsNothingOfTheEarlierOne() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Events e1 = new Events();
        n1.handle("test", e1);
        n1.join(ROOM, new Member("seed", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        slow.holdClaims = true;
        var a = n1.join(ROOM, new Member("a", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture();
        var b = n1.join(ROOM, new Member("b", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture();
        slow.releaseClaimsLastFirst();
        assertThat(b.join().others()).extracting(MemberInfo::id).containsExactly("seed", "a");
        assertThat(a.join().others()).extracting(MemberInfo::id).containsExactly("seed");
        // a hears of b after its own answer, from the record kept while its claim was unanswered
        assertThat(e1.seen).containsExactly("joined b to [seed]", "joined b to [a]", "joined a to [seed]");
    }

    /** A join from before the joiner's claim whose event arrives after its answer is in its list, not told. */
    @Test
    void anEarlierJoinWhoseEventArrivesLateIsNotToldAgain() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Events e1 = new Events();
        n1.handle("test", e1);
        n1.join(ROOM, new Member("here", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        slow.holdJoins = true;
        n2.join(ROOM, new Member("w", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        var a = n1.join(ROOM, new Member("a", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        assertThat(a.others()).extracting(MemberInfo::id).containsExactly("here", "w");
        slow.releaseJoins();
        // "here" was before w and hears of it; a was after and already has it in its list
        assertThat(e1.seen).containsExactly("joined a to [here]", "joined w to [here]");
    }

    /** A member that came and went before the joiner's claim, with its events late: the joiner hears nothing. */
    @Test
    void aMemberGoneBeforeTheJoinerCameIsNeverToldToIt() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Events e1 = new Events();
        n1.handle("test", e1);
        n1.join(ROOM, new Member("here", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        slow.holdJoins = true;
        Member w = new Member("w", new RecordingOutlet());
        n2.join(ROOM, w, JoinPolicy.SHARED).toCompletableFuture().join();
        n2.leave(ROOM, w);
        var a = n1.join(ROOM, new Member("a", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        assertThat(a.others()).extracting(MemberInfo::id).containsExactly("here");
        slow.releaseJoins();
        assertThat(e1.seen).containsExactly("joined a to [here]", "joined w to [here]", "left w LEFT to [here]");
    }

    /** A local member that leaves while its claim is unanswered is announced and withdrawn, in that order. */
    @Test
    void aMemberThatLeavesBeforeItsClaimIsAnsweredIsWithdrawnEverywhere() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Events e1 = new Events();
        Events e2 = new Events();
        n1.handle("test", e1);
        n2.handle("test", e2);
        n2.join(ROOM, new Member("far", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        n1.join(ROOM, new Member("near", new RecordingOutlet()), JoinPolicy.SHARED).toCompletableFuture().join();
        slow.holdClaims = true;
        Member brief = new Member("brief", new RecordingOutlet());
        var joining = n1.join(ROOM, brief, JoinPolicy.SHARED).toCompletableFuture();
        n1.leave(ROOM, brief);
        slow.releaseClaims();
        assertThat(joining.join().joined()).isTrue();
        assertThat(n2.members(ROOM).toCompletableFuture().join()).extracting(MemberInfo::id).containsExactly("far", "near");
        assertThat(e1.seen).containsExactly("joined brief to [near]", "left brief LEFT to [near]");
        assertThat(e2.seen).containsExactly("joined near to [far]", "joined brief to [far]", "left brief LEFT to [far]");
    }

    // ---- messages for a member whose claim is in flight on its node (issue 16) ----

    /**
     * Another node hears of a claim (its join event) and sends at once; the claimer's node reads that message
     * before its own claim's answer: it is held and written to the member as it joins, before anything later.
     */
    @Test
    void aMessageArrivingBeforeTheClaimsAnswerIsHeldForTheJoiner() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Member sender = new Member("s", new RecordingOutlet());
        n2.join(ROOM, sender, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        n1.join(ROOM, new Member("other", new RecordingOutlet()), JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        slow.holdClaims = true;
        Member joiner = new Member("c", new RecordingOutlet());
        var joining = n1.join(ROOM, joiner, JoinPolicy.EXCLUSIVE).toCompletableFuture();
        // n2 saw the join (the claim ran) and sends before n1 has the claim's answer
        assertThat(n2.send(ROOM, "c", msg("1")).toCompletableFuture().join()).isTrue();
        assertThat(n2.send(ROOM, "c", msg("2")).toCompletableFuture().join()).isTrue();
        assertThat(joiner.inbox).isEmpty();
        slow.releaseClaims();
        assertThat(joining.join().joined()).isTrue();
        n2.send(ROOM, "c", msg("3")).toCompletableFuture().join();
        assertThat(joiner.inbox).containsExactly("1", "2", "3");
    }

    /** What was held for a claim that is refused goes nowhere; the id's holder elsewhere is not disturbed. */
    @Test
    void messagesHeldForARefusedClaimAreDropped() {
        InMemoryNetwork net = new InMemoryNetwork();
        SlowBus slow = new SlowBus(net, "n1");
        Hub n1 = new Hub(slow);
        Hub n2 = new Hub(new InMemoryBus(net, "n2"));
        Member holder = new Member("c", new RecordingOutlet());
        n2.join(ROOM, holder, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        Member local = new Member("s", new RecordingOutlet());
        n1.join(ROOM, local, JoinPolicy.EXCLUSIVE).toCompletableFuture().join();
        slow.holdClaims = true;
        Member copy = new Member("c", new RecordingOutlet());
        var joining = n1.join(ROOM, copy, JoinPolicy.EXCLUSIVE).toCompletableFuture();
        n1.send(ROOM, "c", msg("to the holder")).toCompletableFuture().join();
        slow.releaseClaims();
        assertThat(joining.join().joined()).isFalse();
        assertThat(copy.inbox).isEmpty();
        n1.send(ROOM, "c", msg("after")).toCompletableFuture().join();
        assertThat(holder.inbox).containsExactly("to the holder", "after");
    }
}
