package dev.switchboard.core.hub;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.core.Outlet;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.core.bus.InMemoryNetwork;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the hub's tests share: a room, members that record what they receive, a handler that records who is told
 * what, and a bus that holds its answers until a test lets them through.
 */
final class HubFixture {
    static final RoomKey ROOM = new RoomKey("test", "room");

    private HubFixture() {
    }

    /** Records what each member receives; one outlet per "transport", like the Netty one. */
    static final class RecordingOutlet implements Outlet {
        int encodings;

        @Override
        public void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
            encodings++;
            for (Endpoint e : receivers) {
                ((Member) e).inbox.add(new String(envelope.payload(), StandardCharsets.UTF_8));
            }
        }
    }

    static final class Member implements LocalMember, Endpoint {
        final String id;
        final RecordingOutlet outlet;
        final Map<String, String> meta;
        final List<String> inbox = new CopyOnWriteArrayList<>();
        final List<String> evictions = new ArrayList<>();

        Member(String id, RecordingOutlet outlet) {
            this(id, outlet, Map.of());
        }

        Member(String id, RecordingOutlet outlet, Map<String, String> meta) {
            this.id = id;
            this.outlet = outlet;
            this.meta = meta;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Map<String, String> metadata() {
            return meta;
        }

        @Override
        public Endpoint endpoint() {
            return this;
        }

        @Override
        public Outlet outlet() {
            return outlet;
        }

        @Override
        public void evicted(RoomKey room, String reason) {
            evictions.add(room + ":" + reason);
        }
    }

    /** Records membership events as "joined x to [a, b]" / "left x REASON to [a]" per node: who is told what. */
    static final class Events implements MembershipHandler {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void joined(MemberInfo member, LocalRoom room) {
            seen.add("joined " + member.id() + " to " + ids(room));
        }

        @Override
        public void left(MemberInfo member, LeaveReason reason, LocalRoom room) {
            seen.add("left " + member.id() + " " + reason + " to " + ids(room));
        }

        private static List<String> ids(LocalRoom room) {
            return room.members().stream().map(LocalMember::id).toList();
        }
    }

    static Envelope msg(String text) {
        return Envelope.of(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An in-memory bus whose answers to {@code members} and whose join events wait until the test lets them
     * through: the timing of a slow Redis, made deterministic.
     */
    static final class SlowBus implements Bus {
        final InMemoryBus inner;
        final java.util.Deque<Runnable> heldReads = new java.util.ArrayDeque<>();
        final java.util.Deque<Runnable> heldJoins = new java.util.ArrayDeque<>();
        final java.util.Deque<Runnable> heldClaims = new java.util.ArrayDeque<>();
        volatile boolean holdReads;
        volatile boolean holdJoins;
        /** Claims run at once (the script ran) but their answers wait: the reply is slow to come back. */
        volatile boolean holdClaims;
        /** Messages and fences from other nodes wait, in their order: this node is slow to read them. */
        volatile boolean holdArrivals;
        final java.util.Deque<Runnable> heldArrivals = new java.util.ArrayDeque<>();
        /** Answers to {@code mail} wait: the mailbox's reply is slow to come back. */
        volatile boolean holdMail;
        final java.util.Deque<Runnable> heldMail = new java.util.ArrayDeque<>();
        /** Nodes this bus finds gone (no subscriber) for direct sends and fences: killed, not yet reaped. */
        final java.util.Set<String> gone = java.util.concurrent.ConcurrentHashMap.newKeySet();

        void releaseArrivals() {
            holdArrivals = false;
            runAll(heldArrivals);
        }

        void releaseMail() {
            holdMail = false;
            runAll(heldMail);
        }

        /** Lets what {@code held} kept through, oldest first. */
        private static void runAll(java.util.Deque<Runnable> held) {
            while (!held.isEmpty()) {
                held.poll().run();
            }
        }

        private void arrive(Runnable r) {
            if (holdArrivals) {
                heldArrivals.add(r);
            } else {
                r.run();
            }
        }

        void releaseClaims() {
            holdClaims = false;
            runAll(heldClaims);
        }

        /** Lets the held answers through newest first: replies that overtake each other. */
        void releaseClaimsLastFirst() {
            holdClaims = false;
            while (!heldClaims.isEmpty()) {
                heldClaims.pollLast().run();
            }
        }

        SlowBus(InMemoryNetwork net, String id) {
            inner = new InMemoryBus(net, id);
        }

        void releaseReads() {
            holdReads = false;
            runAll(heldReads);
        }

        void releaseJoins() {
            holdJoins = false;
            runAll(heldJoins);
        }

        @Override
        public String nodeId() {
            return inner.nodeId();
        }

        @Override
        public void start(dev.switchboard.core.bus.BusListener listener) {
            inner.start(new dev.switchboard.core.bus.BusListener() {
                @Override
                public void message(RoomKey room, String targetId, String exceptId, Envelope envelope) {
                    arrive(() -> listener.message(room, targetId, exceptId, envelope));
                }

                @Override
                public void fence(RoomKey room, String memberId, String requester, long fenceId) {
                    arrive(() -> listener.fence(room, memberId, requester, fenceId));
                }

                @Override
                public void fencePassed(RoomKey room, long fenceId) {
                    listener.fencePassed(room, fenceId);
                }

                @Override
                public void joined(RoomKey room, MemberInfo member, long seq) {
                    if (holdJoins) {
                        heldJoins.add(() -> listener.joined(room, member, seq));
                    } else {
                        listener.joined(room, member, seq);
                    }
                }

                @Override
                public void left(RoomKey room, MemberInfo member, LeaveReason reason, long seq) {
                    if (holdJoins) {
                        heldJoins.add(() -> listener.left(room, member, reason, seq));
                    } else {
                        listener.left(room, member, reason, seq);
                    }
                }

                @Override
                public void evicted(RoomKey room, MemberInfo member) {
                    listener.evicted(room, member);
                }

                @Override
                public boolean holds(RoomKey room, String memberId) {
                    return listener.holds(room, memberId);
                }
            });
        }

        @Override
        public java.util.concurrent.CompletionStage<Claim> claim(RoomKey room, MemberInfo member, JoinPolicy policy) {
            if (!holdClaims) {
                return inner.claim(room, member, policy);
            }
            Claim answer = inner.claim(room, member, policy).toCompletableFuture().join();
            java.util.concurrent.CompletableFuture<Claim> late = new java.util.concurrent.CompletableFuture<>();
            heldClaims.add(() -> late.complete(answer));
            return late;
        }

        @Override
        public java.util.concurrent.CompletionStage<Long> release(RoomKey room, MemberInfo member, LeaveReason reason) {
            return inner.release(room, member, reason);
        }

        @Override
        public java.util.concurrent.CompletionStage<List<MemberInfo>> members(RoomKey room) {
            if (!holdReads) {
                return inner.members(room);
            }
            java.util.concurrent.CompletableFuture<List<MemberInfo>> answer = new java.util.concurrent.CompletableFuture<>();
            heldReads.add(() -> inner.members(room).thenAccept(answer::complete));
            return answer;
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> follow(RoomKey room) {
            return inner.follow(room);
        }

        @Override
        public void unfollow(RoomKey room) {
            inner.unfollow(room);
        }

        @Override
        public void publish(RoomKey room, Envelope envelope, String exceptId) {
            inner.publish(room, envelope, exceptId);
        }

        @Override
        public java.util.concurrent.CompletionStage<Boolean> send(RoomKey room, MemberInfo target, Envelope envelope) {
            if (gone.contains(target.nodeId())) {
                return java.util.concurrent.CompletableFuture.completedFuture(false);
            }
            return inner.send(room, target, envelope);
        }

        @Override
        public java.util.concurrent.CompletionStage<Boolean> fence(RoomKey room, MemberInfo at, String requester,
                                                                   long fenceId) {
            if (gone.contains(at.nodeId())) {
                return java.util.concurrent.CompletableFuture.completedFuture(false);
            }
            return inner.fence(room, at, requester, fenceId);
        }

        @Override
        public void fencePassed(RoomKey room, String requester, long fenceId) {
            inner.fencePassed(room, requester, fenceId);
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> park(RoomKey room, MemberInfo member,
                                                               dev.switchboard.core.ResumeLimits limits) {
            return inner.park(room, member, limits);
        }

        @Override
        public java.util.concurrent.CompletionStage<Mail> mail(RoomKey room, MemberInfo member, Envelope envelope,
                                                               dev.switchboard.core.ResumeLimits limits, boolean orOpen) {
            if (!holdMail) {
                return inner.mail(room, member, envelope, limits, orOpen);
            }
            java.util.concurrent.CompletableFuture<Mail> answer = new java.util.concurrent.CompletableFuture<>();
            Mail result = inner.mail(room, member, envelope, limits, orOpen).toCompletableFuture().join();
            heldMail.add(() -> answer.complete(result));
            return answer;
        }

        @Override
        public dev.switchboard.core.bus.BusStatus status() {
            return inner.status();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
