package dev.switchboard.resume;

import static dev.switchboard.resume.ResumeCases.PATIENCE;
import static dev.switchboard.resume.ResumeCases.QUIET;
import static dev.switchboard.resume.ResumeCases.awaitKept;
import static dev.switchboard.resume.ResumeCases.awaitParked;
import static dev.switchboard.resume.ResumeCases.quickNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.resume.ResumeCases.KilledNode;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.SeverableProxy;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import dev.switchboard.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Named-peer resume by the secret its login asked for (docs/protocols/named-peer.md#resume), over real sockets:
 * a peer whose network drops logs in again with the secret within the window, on its node or on another after
 * its own was killed, and gets its name, a fresh list, then what was sent to it meanwhile, in order, once; the
 * other peers see no peer_disconnected and no peer_connected. A plain login is not parked (today's behaviour),
 * nor does one without the secret get a parked name; after the window the name starts fresh.
 */
class NamedPeerResumeTest {
    private static final Pattern SECRET = Pattern.compile("\"resume\":\"([A-Za-z0-9_-]+)\"");

    private static WsClient login(int port, String name) {
        WsClient c = WsClient.connect(port, "/");
        c.send("{\"type\":\"login\",\"name\":\"" + name + "\"}");
        assertThat(c.next()).startsWith("{\"type\":\"login_success\",\"id\":\"" + name + "\"");
        return c;
    }

    /** Logs in asking for resume; returns the secret from the answer. */
    private static String loginResumable(WsClient c, String name, String expectedClients) {
        c.send("{\"type\":\"login\",\"name\":\"" + name + "\",\"resume\":true}");
        String answer = c.next();
        assertThat(answer).startsWith("{\"type\":\"login_success\",\"id\":\"" + name + "\",\"clients\":" + expectedClients
                + ",\"resume\":\"");
        Matcher m = SECRET.matcher(answer);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** alice logs in asking for resume, after bob, who hears her join; returns her secret. */
    private static String aliceJoins(WsClient alice, WsClient bob) {
        String secret = loginResumable(alice, "alice", "[\"bob\",\"alice\"]");
        assertThat(bob.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"alice\"}");
        return secret;
    }

    private static String resumeLogin(String name, String secret) {
        return "{\"type\":\"login\",\"name\":\"" + name + "\",\"resume\":\"" + secret + "\"}";
    }

    @Test
    void aDroppedPeerResumesOnItsNodeAndTheOthersSeeNoFlap() {
        try (Switchboard node = quickNode(Duration.ofSeconds(30));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient bob = login(node.port(), "bob")) {
            WsClient alice = WsClient.connect(network.port(), "/");
            String secret = aliceJoins(alice, bob);
            network.sever();
            awaitParked(node, 1);
            bob.send("{\"type\":\"offer\",\"target\":\"alice\",\"n\":1}");
            bob.send("{\"type\":\"stream_started\"}");
            bob.send("{\"type\":\"candidate\",\"target\":\"alice\",\"n\":2}");
            awaitKept(node, 3);
            try (WsClient back = WsClient.connect(node.port(), "/")) {
                back.send(resumeLogin("alice", secret));
                assertThat(back.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"alice\",\"clients\":[\"bob\",\"alice\"],"
                        + "\"resume\":\"" + secret + "\"}");
                assertThat(back.next()).isEqualTo("{\"type\":\"offer\",\"target\":\"alice\",\"n\":1,\"from\":\"bob\"}");
                assertThat(back.next()).isEqualTo("{\"type\":\"stream_started\",\"from\":\"bob\"}");
                assertThat(back.next()).isEqualTo("{\"type\":\"candidate\",\"target\":\"alice\",\"n\":2,\"from\":\"bob\"}");
                bob.send("{\"type\":\"answer\",\"target\":\"alice\",\"n\":3}");
                assertThat(back.next()).isEqualTo("{\"type\":\"answer\",\"target\":\"alice\",\"n\":3,\"from\":\"bob\"}");
                assertThat(back.poll(QUIET)).isNull();
            }
            // bob heard no peer_disconnected nor peer_connected, and no target_not_found; then alice left for good
            assertThat(bob.next()).isEqualTo("{\"type\":\"peer_disconnected\",\"peer\":\"alice\"}");
            assertThat(bob.poll(QUIET)).isNull();
            alice.close();
        }
    }

    @Test
    void aStaleConnectionIsToldAndClosedWhenItsPeerResumes() {
        try (Switchboard node = TestNodes.start(TestNodes.config().build());
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient bob = login(node.port(), "bob")) {
            WsClient alice = WsClient.connect(network.port(), "/");
            String secret = aliceJoins(alice, bob);
            network.sever();
            try (WsClient back = WsClient.connect(node.port(), "/")) {
                back.send(resumeLogin("alice", secret));
                assertThat(back.next()).startsWith("{\"type\":\"login_success\",\"id\":\"alice\"");
                await().atMost(PATIENCE).until(network::nodeClosed);
                assertThat(network.afterCut()).contains("{\"type\":\"error\",\"error\":\"resumed_elsewhere\"}")
                        .contains("Resumed on another connection");
                bob.send("{\"type\":\"offer\",\"target\":\"alice\"}");
                assertThat(back.next()).isEqualTo("{\"type\":\"offer\",\"target\":\"alice\",\"from\":\"bob\"}");
                assertThat(bob.poll(QUIET)).isNull(); // no flap
            }
            alice.close();
        }
    }

    @Test
    void withoutTheSecretTheNameIsTakenAndAfterTheWindowItStartsFresh() {
        try (Switchboard node = quickNode(Duration.ofSeconds(3));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient bob = login(node.port(), "bob")) {
            WsClient alice = WsClient.connect(network.port(), "/");
            aliceJoins(alice, bob);
            network.sever();
            awaitParked(node, 1);
            for (String attempt : new String[] {"{\"type\":\"login\",\"name\":\"alice\"}",
                    resumeLogin("alice", "AAAAAAAAAAAAAAAAAAAAAA")}) {
                try (WsClient other = WsClient.connect(node.port(), "/")) {
                    other.send(attempt);
                    assertThat(other.next()).isEqualTo("{\"type\":\"error\",\"error\":\"name_taken\"}");
                    assertThat(other.awaitClose(PATIENCE).code()).isEqualTo(4000);
                }
            }
            // the window ends: bob hears alice leave; a plain login then gets the name, and bob hears it join
            assertThat(bob.poll(Duration.ofSeconds(30))).extracting(WsClient.Message::text)
                    .isEqualTo("{\"type\":\"peer_disconnected\",\"peer\":\"alice\"}");
            try (WsClient late = login(node.port(), "alice")) {
                assertThat(bob.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"alice\"}");
                assertThat(late.poll(QUIET)).isNull();
            }
            alice.close();
        }
    }

    @Test
    void aPlainLoginThatDropsLeavesAtOnceAsBefore() {
        try (Switchboard node = quickNode(Duration.ofSeconds(30));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient bob = login(node.port(), "bob")) {
            WsClient alice = login(network.port(), "alice");
            assertThat(bob.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"alice\"}");
            network.sever();
            assertThat(bob.next()).isEqualTo("{\"type\":\"peer_disconnected\",\"peer\":\"alice\"}");
            assertThat(node.hub().resumeStats().parked()).isZero();
            alice.close();
        }
    }

    /**
     * One sender's order across a move to another node, over a real Redis with three nodes: carol (on c) sends
     * numbered messages without pause while alice moves from a, where her old connection still reads, to b. Each
     * number reaches alice exactly once, on the old connection before the move and on the new one after, in
     * order; c's fence behind its messages to a is answered (docs/design/resume.md#order-across-a-move).
     */
    @Test
    void aSendersMessagesArriveOnceAndInOrderWhileThePeerMovesToAnotherNode() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Switchboard a = TestNodes.start(TestNodes.config().nodeId("a").redisUri(redis.uri()).build());
             Switchboard b = TestNodes.start(TestNodes.config().nodeId("b").redisUri(redis.uri()).build());
             Switchboard c = TestNodes.start(TestNodes.config().nodeId("c").redisUri(redis.uri()).build());
             WsClient carol = login(c.port(), "carol");
             WsClient alice = WsClient.connect(a.port(), "/")) {
            String secret = loginResumable(alice, "alice", "[\"carol\",\"alice\"]");
            assertThat(carol.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"alice\"}");
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicInteger sent = new AtomicInteger();
            Thread sender = new Thread(() -> {
                while (sending.get()) { // 40 a second: under named-peer's 50 a second per connection
                    carol.send("{\"type\":\"offer\",\"target\":\"alice\",\"n\":" + sent.incrementAndGet() + "}");
                    LockSupport.parkNanos(25_000_000);
                }
            });
            sender.start();
            List<Integer> before = new ArrayList<>();
            List<Integer> after = new ArrayList<>();
            try {
                while (before.size() < 10) {
                    before.add(number(alice.next()));
                }
                try (WsClient back = WsClient.connect(b.port(), "/")) {
                    back.send(resumeLogin("alice", secret));
                    assertThat(back.next()).startsWith("{\"type\":\"login_success\",\"id\":\"alice\"");
                    while (after.size() < 40) {
                        after.add(number(back.next()));
                    }
                    sending.set(false);
                    sender.join();
                    for (WsClient.Message m; (m = back.poll(QUIET)) != null; ) {
                        after.add(number(m.text()));
                    }
                    assertThat(carol.poll(QUIET)).isNull(); // no flap, no target_not_found
                }
                for (WsClient.Message m; (m = alice.poll(QUIET)) != null; ) {
                    if (m.text().contains("\"offer\"")) {
                        before.add(number(m.text()));
                    }
                }
            } finally {
                sending.set(false);
                sender.join();
            }
            List<Integer> all = new ArrayList<>(before);
            all.addAll(after);
            assertThat(all).containsExactlyElementsOf(IntStream.rangeClosed(1, sent.get()).boxed().toList());
            assertThat(c.hub().resumeStats().fencesTimedOut()).isZero();
            assertThat(b.hub().resumeStats().fencesTimedOut()).isZero();
        }
    }

    private static final Pattern NUMBER = Pattern.compile("\"n\":(\\d+)");

    private static int number(String message) {
        Matcher m = NUMBER.matcher(message);
        assertThat(m.find()).as(message).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aPeerOfAKilledNodeResumesOnAnotherWithWhatWasSentMeanwhile() {
        try (KilledNode nodes = KilledNode.overRedis();
             WsClient bob = login(nodes.survivor().port(), "bob")) {
            Switchboard survivor = nodes.survivor();
            NodeProcess victim = nodes.victim();
            WsClient alice = WsClient.connect(victim.port(), "/");
            String secret = aliceJoins(alice, bob);
            victim.kill();
            bob.send("{\"type\":\"offer\",\"target\":\"alice\",\"n\":1}");
            bob.send("{\"type\":\"candidate\",\"target\":\"alice\",\"n\":2}");
            awaitKept(survivor, 2);
            nodes.awaitReaped(); // reaped: parked
            try (WsClient back = WsClient.connect(survivor.port(), "/")) {
                back.send(resumeLogin("alice", secret));
                assertThat(back.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"alice\",\"clients\":[\"bob\",\"alice\"],"
                        + "\"resume\":\"" + secret + "\"}");
                assertThat(back.next()).isEqualTo("{\"type\":\"offer\",\"target\":\"alice\",\"n\":1,\"from\":\"bob\"}");
                assertThat(back.next()).isEqualTo("{\"type\":\"candidate\",\"target\":\"alice\",\"n\":2,\"from\":\"bob\"}");
                assertThat(back.poll(QUIET)).isNull();
                assertThat(bob.poll(QUIET)).isNull(); // no peer_disconnected, no target_not_found
            }
            alice.close();
        }
    }
}
