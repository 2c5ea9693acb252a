package dev.switchboard.resume;

import static dev.switchboard.resume.ResumeCases.PATIENCE;
import static dev.switchboard.resume.ResumeCases.QUIET;
import static dev.switchboard.resume.ResumeCases.awaitKept;
import static dev.switchboard.resume.ResumeCases.awaitParked;
import static dev.switchboard.resume.ResumeCases.quickNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.resume.ResumeCases.KilledNode;
import dev.switchboard.dialect.rendezvous.TestKeys;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.SeverableProxy;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Rendezvous resume by the signed challenge (docs/protocols/rendezvous.md#resume), over real sockets: a peer that
 * signed, whose network drops, registers again with a signature on the new challenge within the window, on its
 * node or on another after its own was killed, and gets a fresh welcome, then what was sent to it meanwhile, in
 * order, once; the room sees no peer-left and no peer-joined. Without a signature it gets today's refusal; after
 * the window the room sees it leave; a peer that did not sign is not kept.
 */
class RendezvousResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOM = "/room/lobby/websocket";

    private static JsonNode read(WsClient ws) {
        try {
            return JSON.readTree(ws.next());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Connects and registers {@code key}, signed or not; returns the socket after its welcome. */
    private static WsClient register(int port, TestKeys key, boolean sign) {
        WsClient ws = WsClient.connect(port, ROOM);
        String nonce = read(ws).get("nonce").asText();
        ws.send(key.register(sign ? nonce : null));
        JsonNode welcome = read(ws);
        assertThat(welcome.get("type").asText()).isEqualTo("welcome");
        return ws;
    }

    private static String offer(String to, int n) {
        return "{\"type\":\"offer\",\"to\":\"" + to + "\",\"n\":" + n + "}";
    }

    private static String offered(String from, int n) {
        return "{\"type\":\"offer\",\"from\":\"" + from + "\",\"n\":" + n + "}";
    }

    /** The watcher's view of alice joining, signed. */
    private static void joined(WsClient watcher, TestKeys alice) {
        JsonNode joined = read(watcher);
        assertThat(joined.get("type").asText()).isEqualTo("peer-joined");
        assertThat(joined.get("peerId").asText()).isEqualTo(alice.peerId);
    }

    @Test
    void aDroppedPeerResumesOnItsNodeAndTheRoomSeesNoFlap() {
        TestKeys alice = TestKeys.create("P-256");
        TestKeys bob = TestKeys.create("Ed25519");
        try (Switchboard node = quickNode(Duration.ofSeconds(30));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient watcher = register(node.port(), bob, false)) {
            WsClient dropped = register(network.port(), alice, true);
            joined(watcher, alice);
            network.sever();
            awaitParked(node, 1);
            watcher.send(offer(alice.peerId, 1));
            watcher.send(offer(alice.peerId, 2));
            awaitKept(node, 2);
            WsClient back = WsClient.connect(node.port(), ROOM);
            back.send(alice.register(read(back).get("nonce").asText()));
            JsonNode welcome = read(back);
            assertThat(welcome.get("peerId").asText()).isEqualTo(alice.peerId);
            assertThat(welcome.get("peers")).hasSize(1);
            assertThat(welcome.get("peers").get(0).get("id").asText()).isEqualTo(bob.peerId);
            assertThat(back.next()).isEqualTo(offered(bob.peerId, 1));
            assertThat(back.next()).isEqualTo(offered(bob.peerId, 2));
            back.send(offer(bob.peerId, 3));
            assertThat(watcher.next()).isEqualTo(offered(alice.peerId, 3));
            assertThat(watcher.poll(QUIET)).isNull(); // no peer-left, no peer-joined, no unknown peer
            assertThat(back.poll(QUIET)).isNull();
            back.close();
            dropped.close();
        }
    }

    @Test
    void aStaleConnectionIsReplacedWithoutAFlap() {
        TestKeys alice = TestKeys.create("P-256");
        TestKeys bob = TestKeys.create("P-256");
        try (Switchboard node = TestNodes.start(TestNodes.config().build());
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient watcher = register(node.port(), bob, true)) {
            WsClient stale = register(network.port(), alice, true);
            joined(watcher, alice);
            network.sever();
            WsClient back = register(node.port(), alice, true);
            await().atMost(PATIENCE).until(network::nodeClosed);
            assertThat(network.afterCut()).contains("replaced");
            watcher.send(offer(alice.peerId, 1));
            assertThat(back.next()).isEqualTo(offered(bob.peerId, 1));
            assertThat(watcher.poll(QUIET)).isNull();
            back.close();
            stale.close();
        }
    }

    @Test
    void withoutASignatureTheIdIsHeldAndTheWindowsEndIsALeave() {
        TestKeys alice = TestKeys.create("P-256");
        TestKeys bob = TestKeys.create("P-256");
        try (Switchboard node = quickNode(Duration.ofSeconds(3));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient watcher = register(node.port(), bob, false)) {
            WsClient dropped = register(network.port(), alice, true);
            joined(watcher, alice);
            network.sever();
            awaitParked(node, 1);
            try (WsClient copy = WsClient.connect(node.port(), ROOM)) {
                read(copy);
                copy.send(alice.register(null));
                assertThat(read(copy).get("message").asText()).startsWith("peer ID already connected in this room");
            }
            assertThat(watcher.poll(Duration.ofSeconds(30))).extracting(WsClient.Message::text)
                    .isEqualTo("{\"type\":\"peer-left\",\"peerId\":\"" + alice.peerId + "\"}");
            dropped.close();
        }
    }

    @Test
    void aPeerThatDidNotSignLeavesAtOnceAsBefore() {
        TestKeys alice = TestKeys.create("P-256");
        TestKeys bob = TestKeys.create("P-256");
        try (Switchboard node = quickNode(Duration.ofSeconds(30));
             SeverableProxy network = SeverableProxy.to(node.port());
             WsClient watcher = register(node.port(), bob, false)) {
            WsClient dropped = register(network.port(), alice, false);
            read(watcher); // peer-joined
            network.sever();
            assertThat(watcher.next()).isEqualTo("{\"type\":\"peer-left\",\"peerId\":\"" + alice.peerId + "\"}");
            assertThat(node.hub().resumeStats().parked()).isZero();
            dropped.close();
        }
    }

    @Test
    void aPeerOfAKilledNodeResumesOnAnother() {
        TestKeys alice = TestKeys.create("P-256");
        TestKeys bob = TestKeys.create("P-256");
        try (KilledNode nodes = KilledNode.overRedis();
             WsClient watcher = register(nodes.survivor().port(), bob, true)) {
            Switchboard survivor = nodes.survivor();
            NodeProcess victim = nodes.victim();
            WsClient lost = register(victim.port(), alice, true);
            joined(watcher, alice);
            victim.kill();
            watcher.send(offer(alice.peerId, 1));
            awaitKept(survivor, 1);
            nodes.awaitReaped(); // reaped, kept
            WsClient back = register(survivor.port(), alice, true);
            assertThat(back.next()).isEqualTo(offered(bob.peerId, 1));
            assertThat(watcher.poll(QUIET)).isNull();
            back.close();
            lost.close();
        }
    }
}
