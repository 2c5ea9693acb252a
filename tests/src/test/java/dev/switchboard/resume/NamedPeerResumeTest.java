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
import java.time.Duration;
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
