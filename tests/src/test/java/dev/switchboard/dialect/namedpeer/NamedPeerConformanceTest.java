package dev.switchboard.dialect.namedpeer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The named-peer dialect (docs/protocols/named-peer.md) over real sockets: login and the peer list, peer events,
 * relay by target with a server-set {@code from}, the four broadcast events, ping, every error and close code, the
 * rate limit, and the shared path with y-webrtc.
 */
class NamedPeerConformanceTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private final ObjectMapper json = new ObjectMapper();
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private WsClient login(String name, String... expectedClients) {
        WsClient c = WsClient.connect(node.port(), "/");
        c.send("{\"type\":\"login\",\"name\":\"" + name + "\"}");
        StringBuilder list = new StringBuilder();
        for (String n : expectedClients) {
            list.append(list.length() == 0 ? "" : ",").append('"').append(n).append('"');
        }
        assertThat(c.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"" + name + "\",\"clients\":[" + list + "]}");
        return c;
    }

    @Test
    void loginListsEveryoneAndOthersHearOfIt() {
        try (WsClient a = login("paris", "paris"); WsClient b = login("nantes", "paris", "nantes")) {
            assertThat(a.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"nantes\"}");
            assertThat(b.poll(QUIET)).isNull();
            try (WsClient c = login("obs_paris", "paris", "nantes", "obs_paris")) {
                assertThat(a.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"obs_paris\"}");
                assertThat(b.next()).isEqualTo("{\"type\":\"peer_connected\",\"peer\":\"obs_paris\"}");
            }
            assertThat(a.next()).isEqualTo("{\"type\":\"peer_disconnected\",\"peer\":\"obs_paris\"}");
            assertThat(b.next()).isEqualTo("{\"type\":\"peer_disconnected\",\"peer\":\"obs_paris\"}");
        }
    }

    @Test
    void idIsAnAliasOfName() {
        try (WsClient a = WsClient.connect(node.port(), "/")) {
            a.send("{\"type\":\"login\",\"id\":\"client-1\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"client-1\",\"clients\":[\"client-1\"]}");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"login\",\"name\":\"\"}", "{\"type\":\"login\",\"name\":\"bad name\"}",
        "{\"type\":\"login\",\"name\":\"caf\\u00e9\"}", "{\"type\":\"login\",\"name\":42}", "{\"type\":\"login\"}",
        "{\"type\":\"login\",\"name\":\"a/b\"}", "{\"type\":\"login\",\"name\":\"   \"}",
        "{\"type\":\"login\",\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"})
    void invalidNameIsRefusedWith4001(String frame) {
        try (WsClient other = login("witness", "witness"); WsClient c = WsClient.connect(node.port(), "/")) {
            c.send(frame);
            assertThat(c.next()).isEqualTo("{\"type\":\"error\",\"error\":\"invalid_name\"}");
            assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(new WsClient.CloseStatus(4001, "Invalid client name"));
            assertThat(other.poll(QUIET)).isNull();
        }
    }

    @Test
    void aNameIsTrimmedBeforeItsChecksAsUpstreamDoes() {
        try (WsClient a = WsClient.connect(node.port(), "/")) {
            a.send("{\"type\":\"login\",\"name\":\"  paris\\t\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"paris\",\"clients\":[\"paris\"]}");
        }
    }

    @Test
    void sixtyFourCharactersAreAllowed() {
        String name = "n".repeat(64);
        try (WsClient c = login(name, name)) {
            c.send("{\"type\":\"ping\"}");
            assertThat(c.next()).startsWith("{\"type\":\"pong\",\"timestamp\":");
        }
    }

    @Test
    void takenNameIsRefusedWith4000AndTheHolderStays() {
        try (WsClient a = login("paris", "paris"); WsClient b = WsClient.connect(node.port(), "/")) {
            b.send("{\"type\":\"login\",\"name\":\"paris\"}");
            assertThat(b.next()).isEqualTo("{\"type\":\"error\",\"error\":\"name_taken\"}");
            assertThat(b.awaitClose(Duration.ofSeconds(5))).isEqualTo(new WsClient.CloseStatus(4000, "Client name already taken"));
            assertThat(a.poll(QUIET)).isNull(); // no peer_connected, no peer_disconnected
            a.send("{\"type\":\"ping\"}");
            assertThat(a.next()).startsWith("{\"type\":\"pong\"");
        }
        try (WsClient again = login("paris", "paris")) {
            assertThat(again.isOpen()).isTrue(); // freed when its holder left
        }
    }

    @Test
    void relayCarriesEveryByteAndAServerSetFrom() {
        try (WsClient a = login("paris", "paris"); WsClient b = login("obs_paris", "paris", "obs_paris")) {
            a.next();
            String offer = "{\"type\":\"offer\",\"target\":\"obs_paris\",\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"},\"n\":1.50}";
            a.send(offer);
            assertThat(b.next()).isEqualTo(offer.substring(0, offer.length() - 1) + ",\"from\":\"paris\"}");
            // a client-supplied from is overwritten in place: no spoofing
            b.send("{\"type\":\"answer\",\"from\":\"mallory\",\"target\":\"paris\",\"answer\":{}}");
            assertThat(a.next()).isEqualTo("{\"type\":\"answer\",\"from\":\"obs_paris\",\"target\":\"paris\",\"answer\":{}}");
            // any type with a target is relayed
            b.send("{\"type\":\"ice-candidate\",\"target\":\"paris\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":0}}");
            assertThat(a.next()).isEqualTo("{\"type\":\"ice-candidate\",\"target\":\"paris\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":0},\"from\":\"obs_paris\"}");
            b.send("{\"type\":\"custom\",\"target\":\"paris\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"custom\",\"target\":\"paris\",\"from\":\"obs_paris\"}");
        }
    }

    /** A peer cannot pass off its words as the server's: the server's own types are never relayed. */
    @Test
    void aMessageShapedLikeAServerEventIsRefusedNotRelayed() {
        try (WsClient a = login("paris", "paris"); WsClient b = login("obs_paris", "paris", "obs_paris")) {
            a.next();
            for (String type : new String[] {"peer_disconnected", "login_success", "error", "peer_connected", "pong"}) {
                b.send("{\"type\":\"" + type + "\",\"target\":\"paris\",\"peer\":\"nantes\"}");
                assertThat(b.next()).as(type).isEqualTo("{\"type\":\"error\",\"error\":\"reserved_type\"}");
            }
            assertThat(a.poll(QUIET)).isNull();
            b.send("{\"type\":\"offer\",\"target\":\"paris\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"offer\",\"target\":\"paris\",\"from\":\"obs_paris\"}");
        }
    }

    @Test
    void unknownTargetGetsTargetNotFound() {
        try (WsClient a = login("paris", "paris")) {
            a.send("{\"type\":\"offer\",\"target\":\"nobody\",\"sdp\":\"x\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"error\",\"error\":\"target_not_found\",\"target\":\"nobody\"}");
            a.send("{\"type\":\"offer\",\"target\":7}");
            assertThat(a.next()).isEqualTo("{\"type\":\"error\",\"error\":\"target_not_found\",\"target\":7}");
            // a falsy target is no target: the message is ignored
            a.send("{\"type\":\"offer\",\"target\":\"\"}");
            assertThat(a.poll(QUIET)).isNull();
            assertThat(a.isOpen()).isTrue();
        }
    }

    @Test
    void theFourEventsReachEveryOtherPeerWithFrom() {
        try (WsClient a = login("paris", "paris"); WsClient b = login("nantes", "paris", "nantes");
             WsClient c = login("obs", "paris", "nantes", "obs")) {
            a.next();
            a.next();
            b.next();
            a.send("{\"type\":\"stream_started\",\"extra\":\"dropped\"}");
            assertThat(b.next()).isEqualTo("{\"type\":\"stream_started\",\"from\":\"paris\"}");
            assertThat(c.next()).isEqualTo("{\"type\":\"stream_started\",\"from\":\"paris\"}");
            a.send("{\"type\":\"stream_stopped\",\"reason\":\"user_action\"}");
            assertThat(b.next()).isEqualTo("{\"type\":\"stream_stopped\",\"from\":\"paris\",\"reason\":\"user_action\"}");
            c.next();
            a.send("{\"type\":\"stream_stopped\"}");
            assertThat(b.next()).isEqualTo("{\"type\":\"stream_stopped\",\"from\":\"paris\",\"reason\":\"manual\"}");
            c.next();
            a.send("{\"type\":\"stream_restored\"}");
            assertThat(c.next()).isEqualTo("{\"type\":\"stream_restored\",\"from\":\"paris\"}");
            b.next();
            b.send("{\"type\":\"page_opened\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"page_opened\",\"from\":\"nantes\"}");
            assertThat(c.next()).isEqualTo("{\"type\":\"page_opened\",\"from\":\"nantes\"}");
            assertThat(a.poll(QUIET)).isNull(); // the sender never hears its own event
            assertThat(b.poll(QUIET)).isNull();
        }
    }

    @Test
    void pingIsAnsweredWithTheServerTime() throws Exception {
        try (WsClient a = login("paris", "paris")) {
            long before = System.currentTimeMillis();
            a.send("{\"type\":\"ping\"}");
            JsonNode pong = json.readTree(a.next());
            assertThat(pong.fieldNames()).toIterable().containsExactly("type", "timestamp");
            assertThat(pong.get("type").asText()).isEqualTo("pong");
            assertThat(pong.get("timestamp").asLong()).isBetween(before, System.currentTimeMillis());
        }
    }

    @Test
    void floodIsLimitedToFiftyFramesPerSecond() {
        try (WsClient a = login("paris", "paris")) {
            int frames = 200; // far more than one window holds, however slowly the machine handles them
            int pongs = 0;
            int limited = 0;
            for (int i = 0; i < frames; i++) {
                a.send("{\"type\":\"ping\"}");
            }
            for (int i = 0; i < frames; i++) {
                String m = a.next();
                if (m.startsWith("{\"type\":\"pong\"")) {
                    pongs++;
                } else if (m.equals("{\"type\":\"error\",\"error\":\"rate_limit_exceeded\"}")) {
                    limited++;
                }
            }
            // the login does not count: fifty and no fewer pass in the first window (more if the flood outlasts it)
            assertThat(pongs).isGreaterThanOrEqualTo(50);
            assertThat(limited).isEqualTo(frames - pongs);
            assertThat(limited).isPositive();
            assertThat(a.isOpen()).isTrue();
        }
    }

    @Test
    void badInputAfterLoginIsDroppedAndOthersAreUnaffected() {
        try (WsClient a = login("paris", "paris"); WsClient b = login("nantes", "paris", "nantes")) {
            a.next();
            for (String frame : new String[] {"not json", "[1]", "null", "{\"type\":5}", "{\"no\":\"type\"}",
                    "{\"type\":\"unknown_thing\"}", "{\"type\":\"offer\"}"}) {
                b.send(frame);
            }
            b.send("{\"type\":\"login\",\"name\":\"other\"}");
            assertThat(b.next()).isEqualTo("{\"type\":\"error\",\"error\":\"already_logged_in\"}");
            b.send("{\"type\":\"stream_started\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"stream_started\",\"from\":\"nantes\"}");
            assertThat(b.poll(QUIET)).isNull();
        }
    }

    @Test
    void oversizeMessageClosesOnlyThatConnectionWith1009() {
        try (WsClient a = login("paris", "paris"); WsClient b = login("nantes", "paris", "nantes")) {
            a.next();
            b.sendFrame(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[64 * 1024 + 1])));
            assertThat(b.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1009);
            assertThat(a.next()).isEqualTo("{\"type\":\"peer_disconnected\",\"peer\":\"nantes\"}");
        }
    }

    @Test
    void sharesTheGenericPathsWithYWebrtcWithoutMixing() {
        try (WsClient peer = login("paris", "paris"); WsClient y = WsClient.connect(node.port(), "/")) {
            y.send("{\"type\":\"subscribe\",\"topics\":[\"peers\"]}");
            y.send("{\"type\":\"publish\",\"topic\":\"peers\",\"x\":1}");
            assertThat(y.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"peers\",\"x\":1,\"clients\":1}");
            // a y-webrtc connection stays y-webrtc: a later login is just an unknown y-webrtc message
            y.send("{\"type\":\"login\",\"name\":\"sneaky\"}");
            assertThat(y.poll(QUIET)).isNull();
            assertThat(peer.poll(QUIET)).isNull();
            peer.send("{\"type\":\"offer\",\"target\":\"sneaky\"}");
            assertThat(peer.next()).isEqualTo("{\"type\":\"error\",\"error\":\"target_not_found\",\"target\":\"sneaky\"}");
        }
    }

    @Test
    void worksOnAnyPathLikeTheSeedServer() {
        try (WsClient c = WsClient.connect(node.port(), "/signal?x=1")) {
            c.send("{\"type\":\"login\",\"name\":\"client-1\"}");
            assertThat(c.next()).isEqualTo("{\"type\":\"login_success\",\"id\":\"client-1\",\"clients\":[\"client-1\"]}");
        }
    }
}
