package dev.switchboard.dialect.peerjs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PeerJS dialect (docs/protocols/peerjs.md) over real sockets: each handshake answer and its close, the
 * same-token takeover, relay rebuilt with src, ignored frames, LEAVE with and without dst, the queue for an id
 * not connected yet and its EXPIRE, the HEARTBEAT timeout, and the HTTP endpoints with CORS.
 */
class PeerJsConformanceTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final Duration CLOSE = Duration.ofSeconds(10);
    /** Long enough for a 2 s expiry, its 1 s sweep and a busy machine. */
    private static final Duration EXPIRY = Duration.ofSeconds(15);
    private static final String OPEN = "{\"type\":\"OPEN\"}";
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.config().set(NodeOptions.PEERJS_EXPIRE_TIMEOUT, Duration.ofSeconds(2))
                .build());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private static WsClient raw(Switchboard n, String query) {
        return WsClient.connect(n.port(), "/peerjs?" + query);
    }

    static WsClient connect(Switchboard n, String id, String token) {
        WsClient c = raw(n, "key=peerjs&id=" + id + "&token=" + token + "&version=1.5.5");
        assertThat(c.next()).isEqualTo(OPEN);
        return c;
    }

    private static void assertRefused(WsClient c, String msg) {
        assertThat(c.next()).isEqualTo("{\"type\":\"ERROR\",\"payload\":{\"msg\":\"" + msg + "\"}}");
        assertThat(c.awaitClose(CLOSE).code()).isEqualTo(WsClient.CloseStatus.NO_STATUS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"id=a&token=t", "key=peerjs&token=t", "key=peerjs&id=a", "key=peerjs&id=&token=t",
        "key=&id=a&token=t", ""})
    void missingParametersAreAnErrorAndACloseWithoutStatus(String query) {
        assertRefused(raw(node, query), "No id, token, or key supplied to websocket server");
    }

    @Test
    void aWrongKeyIsAnError() {
        assertRefused(raw(node, "key=other&id=a&token=t"), "Invalid key provided");
        // the last of repeated parameters counts, as upstream reads them
        assertRefused(raw(node, "key=peerjs&key=other&id=a&token=t"), "Invalid key provided");
        try (WsClient c = raw(node, "key=other&key=peerjs&id=a&token=t")) {
            assertThat(c.next()).isEqualTo(OPEN);
        }
    }

    @Test
    void onlyTheExactPathIsPeerJs() {
        try (WsClient c = WsClient.connect(node.port(), "/peerjs/?key=peerjs&id=a&token=t")) {
            // the shared paths: y-webrtc answers a ping, PeerJS would have said OPEN
            c.send("{\"type\":\"ping\"}");
            assertThat(c.next()).isEqualTo("{\"type\":\"pong\"}");
        }
    }

    @Test
    void anIdHeldWithAnotherTokenIsTaken() {
        try (WsClient a = connect(node, "alice", "t1")) {
            WsClient b = raw(node, "key=peerjs&id=alice&token=t2");
            assertThat(b.next()).isEqualTo("{\"type\":\"ID-TAKEN\",\"payload\":{\"msg\":\"ID is taken\"}}");
            assertThat(b.awaitClose(CLOSE).code()).isEqualTo(WsClient.CloseStatus.NO_STATUS);
            assertThat(a.poll(QUIET)).isNull();
            assertThat(a.isOpen()).isTrue();
        }
    }

    @Test
    void theSameTokenTakesTheIdOverAndTheOldSocketIsClosed() {
        try (WsClient bob = connect(node, "bob", "tb"); WsClient old = connect(node, "alice", "t1")) {
            WsClient now = raw(node, "key=peerjs&id=alice&token=t1");
            // upstream sends the newcomer no OPEN; unlike upstream the old socket is closed
            assertThat(old.awaitClose(CLOSE)).isEqualTo(new WsClient.CloseStatus(1000,
                    "Connected elsewhere with the same id and token"));
            assertThat(now.poll(QUIET)).isNull();
            bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":1}");
            assertThat(now.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":1}");
            now.send("{\"type\":\"ANSWER\",\"dst\":\"bob\",\"payload\":2}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"alice\",\"dst\":\"bob\",\"payload\":2}");
            now.close();
        }
    }

    @Test
    void theConcurrentLimitRefusesNewIds() {
        try (Switchboard small = TestNodes.start(TestNodes.config().set(NodeOptions.PEERJS_CONCURRENT_LIMIT, 1).build());
             WsClient a = connect(small, "a", "t")) {
            assertRefused(raw(small, "key=peerjs&id=b&token=t"), "Server has reached its concurrent user limit");
            // a held id is still decided as such: taken for another token
            WsClient c = raw(small, "key=peerjs&id=a&token=other");
            assertThat(c.next()).isEqualTo("{\"type\":\"ID-TAKEN\",\"payload\":{\"msg\":\"ID is taken\"}}");
        }
    }

    @Test
    void anIdWithAControlCharacterIsRefused() {
        assertRefused(raw(node, "key=peerjs&id=a%0Ab&token=t"), "Invalid id");
    }

    @Test
    void relayIsRebuiltWithTheServersSrcAndOnlyItsFourFields() {
        try (WsClient alice = connect(node, "alice", "ta"); WsClient bob = connect(node, "bob", "tb")) {
            alice.send("{\"type\":\"OFFER\",\"dst\":\"bob\",\"src\":\"mallory\",\"payload\":{\"sdp\":{\"type\":\"offer\","
                    + "\"sdp\":\"v=0\"},\"connectionId\":\"dc_1\"},\"extra\":1}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"bob\",\"payload\":{\"sdp\":"
                    + "{\"type\":\"offer\",\"sdp\":\"v=0\"},\"connectionId\":\"dc_1\"}}");
            // key order is upstream's whatever the client's; no payload, no payload key; null stays
            bob.send("{\"payload\":null,\"dst\":\"alice\",\"type\":\"CANDIDATE\"}");
            assertThat(alice.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":null}");
            bob.send("{\"type\":\"ANSWER\",\"dst\":\"alice\"}");
            assertThat(alice.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"bob\",\"dst\":\"alice\"}");
            // binary frames are read like text; the answer is text
            bob.sendBinary("{\"type\":\"ANSWER\",\"dst\":\"alice\",\"payload\":3}".getBytes(StandardCharsets.UTF_8));
            assertThat(alice.next()).isEqualTo("{\"type\":\"ANSWER\",\"src\":\"bob\",\"dst\":\"alice\",\"payload\":3}");
            // to itself
            alice.send("{\"type\":\"CANDIDATE\",\"dst\":\"alice\"}");
            assertThat(alice.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"alice\",\"dst\":\"alice\"}");
        }
    }

    @Test
    void unknownTypesAndBadFramesAreIgnoredAndTheSocketStays() {
        try (WsClient alice = connect(node, "alice", "ta"); WsClient bob = connect(node, "bob", "tb")) {
            for (String frame : new String[] {"not json", "[1,2]", "42", "{\"type\":\"OPEN\",\"dst\":\"bob\"}",
                "{\"type\":\"ERROR\",\"dst\":\"bob\"}", "{\"type\":\"offer\",\"dst\":\"bob\"}", "{\"dst\":\"bob\"}",
                "{\"type\":7,\"dst\":\"bob\"}", "{\"type\":\"HEARTBEAT\",\"dst\":\"bob\"}"}) {
                alice.send(frame);
            }
            alice.send("{\"type\":\"OFFER\",\"dst\":\"bob\"}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"bob\"}");
            assertThat(bob.poll(QUIET)).isNull();
            assertThat(alice.poll(QUIET)).isNull();
        }
    }

    @Test
    void leaveWithDstIsRelayedAndWithoutDstFreesTheId() {
        try (WsClient alice = connect(node, "alice", "ta"); WsClient bob = connect(node, "bob", "tb")) {
            alice.send("{\"type\":\"LEAVE\",\"dst\":\"bob\"}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"LEAVE\",\"src\":\"alice\",\"dst\":\"bob\"}");
            alice.send("{\"type\":\"LEAVE\"}");
            // alice's socket stays open, but the id is free for another token
            try (WsClient other = connect(node, "alice", "another")) {
                bob.send("{\"type\":\"OFFER\",\"dst\":\"alice\"}");
                assertThat(other.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"bob\",\"dst\":\"alice\"}");
                assertThat(alice.poll(QUIET)).isNull();
                assertThat(alice.isOpen()).isTrue();
            }
        }
    }

    @Test
    void messagesForAnIdNotConnectedWaitAndAreDeliveredAfterItsOpen() {
        try (WsClient alice = connect(node, "alice", "ta"); WsClient bob = connect(node, "bob", "tb")) {
            alice.send("{\"type\":\"OFFER\",\"dst\":\"carol\",\"payload\":1}");
            alice.send("{\"type\":\"CANDIDATE\",\"dst\":\"carol\",\"payload\":2}");
            // LEAVE and EXPIRE for an absent id are dropped, never queued
            alice.send("{\"type\":\"LEAVE\",\"dst\":\"carol\"}");
            alice.send("{\"type\":\"EXPIRE\",\"dst\":\"carol\"}");
            // once bob has this, alice's frames before it were handled (one connection's frames are in order)
            alice.send("{\"type\":\"OFFER\",\"dst\":\"bob\"}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"bob\"}");
            WsClient carol = raw(node, "key=peerjs&id=carol&token=tc");
            assertThat(carol.next()).isEqualTo(OPEN);
            assertThat(carol.next()).isEqualTo("{\"type\":\"OFFER\",\"src\":\"alice\",\"dst\":\"carol\",\"payload\":1}");
            assertThat(carol.next()).isEqualTo("{\"type\":\"CANDIDATE\",\"src\":\"alice\",\"dst\":\"carol\",\"payload\":2}");
            assertThat(carol.poll(QUIET)).isNull();
            // delivered: no EXPIRE later (the queue would have expired 2-3 s after the first message)
            assertThat(alice.poll(Duration.ofMillis(3500))).isNull();
            carol.close();
        }
    }

    @Test
    void anUndeliveredQueueExpiresWithOneExpirePerSender() {
        try (WsClient alice = connect(node, "alice", "ta"); WsClient bob = connect(node, "bob", "tb")) {
            alice.send("{\"type\":\"OFFER\",\"dst\":\"carol\"}");
            alice.send("{\"type\":\"CANDIDATE\",\"dst\":\"carol\"}");
            bob.send("{\"type\":\"OFFER\",\"dst\":\"carol\"}");
            assertThat(alice.poll(EXPIRY)).extracting(WsClient.Message::text)
                    .isEqualTo("{\"type\":\"EXPIRE\",\"src\":\"carol\",\"dst\":\"alice\"}");
            assertThat(bob.poll(EXPIRY)).extracting(WsClient.Message::text)
                    .isEqualTo("{\"type\":\"EXPIRE\",\"src\":\"carol\",\"dst\":\"bob\"}");
            assertThat(alice.poll(Duration.ofMillis(1500))).isNull();
            // expired means gone: carol connecting now gets nothing of it
            try (WsClient carol = connect(node, "carol", "tc")) {
                assertThat(carol.poll(QUIET)).isNull();
            }
        }
    }

    @Test
    void aQueueOverItsLimitDropsTheRest() {
        try (Switchboard small = TestNodes.start(TestNodes.config().set(NodeOptions.PEERJS_QUEUE_LIMIT, 2).build());
             WsClient alice = connect(small, "alice", "ta")) {
            for (int i = 0; i < 4; i++) {
                alice.send("{\"type\":\"OFFER\",\"dst\":\"carol\",\"payload\":" + i + "}");
            }
            alice.send("{\"type\":\"HEARTBEAT\"}");
            org.awaitility.Awaitility.await().until(() -> Http.get(small.port(), "/metrics").body()
                    .contains("switchboard_refused_total{dialect=\"peerjs\",reason=\"queue_full\"} 2.0"));
            try (WsClient carol = connect(small, "carol", "tc")) {
                assertThat(carol.next()).endsWith("\"payload\":0}");
                assertThat(carol.next()).endsWith("\"payload\":1}");
                assertThat(carol.poll(QUIET)).isNull();
            }
        }
    }

    @Test
    void aClientWithoutHeartbeatIsClosedAndOneWithStays() {
        java.util.concurrent.ScheduledExecutorService beat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (Switchboard quick = TestNodes.start(TestNodes.config()
                .set(NodeOptions.PEERJS_ALIVE_TIMEOUT, Duration.ofSeconds(3)).build());
             WsClient silent = connect(quick, "silent", "t");
             WsClient beating = connect(quick, "beating", "t")) {
            // the client's rhythm, faster than its 5 s so that a busy machine cannot starve it
            beat.scheduleAtFixedRate(() -> beating.send("{\"type\":\"HEARTBEAT\"}"), 0, 100,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(silent.awaitClose(CLOSE).code()).isEqualTo(WsClient.CloseStatus.NO_STATUS);
            assertThat(beating.isOpen()).isTrue();
            // the silent id is free again
            try (WsClient again = connect(quick, "silent", "other")) {
                assertThat(again.isOpen()).isTrue();
            }
        } finally {
            beat.shutdownNow();
        }
    }

    @Test
    void httpEndpointsAnswerAsUpstream() throws Exception {
        HttpResponse<String> id = Http.get(node.port(), "/peerjs/id?ts=123&version=1.5.5");
        assertThat(id.statusCode()).isEqualTo(200);
        assertThat(id.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(id.body()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        // the key in the path is not checked, as upstream since 1.0
        assertThat(Http.get(node.port(), "/whatever/id").statusCode()).isEqualTo(200);
        HttpResponse<String> peers = Http.get(node.port(), "/peerjs/peers");
        assertThat(peers.statusCode()).isEqualTo(401);
        assertThat(peers.body()).isEqualTo("Unauthorized");
        // the root stays the shared paths' answer
        assertThat(Http.get(node.port(), "/").body()).isEqualTo("okay");
        assertThat(Http.get(node.port(), "/health").body()).startsWith("{\"status\"");

        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> cors = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                + "/peerjs/id")).header("Origin", "https://app.example").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(cors.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
        assertThat(cors.headers().firstValue("vary")).hasValue("Origin");
        HttpResponse<String> preflight = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.port() + "/peerjs/id")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example").header("Access-Control-Request-Headers", "x-a")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("access-control-allow-methods")).hasValue("GET,HEAD,PUT,PATCH,POST,DELETE");
        assertThat(preflight.headers().firstValue("access-control-allow-headers")).hasValue("x-a");
    }

    @Test
    void aMountPathMovesEverythingAndDiscoveryListsIds() throws Exception {
        try (Switchboard mounted = TestNodes.start(TestNodes.config().set(NodeOptions.PEERJS_PATH, "/myapp")
                .set(NodeOptions.PEERJS_KEY, "secret").set(NodeOptions.PEERJS_ALLOW_DISCOVERY, true).build());
             WsClient a = WsClient.connect(mounted.port(), "/myapp/peerjs?key=secret&id=a&token=t")) {
            assertThat(a.next()).isEqualTo(OPEN);
            HttpResponse<String> info = Http.get(mounted.port(), "/myapp");
            assertThat(info.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            assertThat(info.body()).isEqualTo("{\"name\":\"PeerJS Server\",\"description\":\"A server side element to "
                    + "broker connections between PeerJS clients.\",\"website\":\"https://peerjs.com/\"}");
            assertThat(Http.get(mounted.port(), "/myapp/secret/peers").body()).isEqualTo("[\"a\"]");
            assertThat(Http.get(mounted.port(), "/myapp/secret/id").body()).hasSize(36);
            assertThat(Http.get(mounted.port(), "/secret/id").body()).isEqualTo("okay");
        }
    }

    @Test
    void corsIsOnlyForAllowedOriginsWhenTheNodeHasAList() throws Exception {
        try (Switchboard strict = TestNodes.start(TestNodes.config()
                .set(NodeOptions.ALLOWED_ORIGINS, "https://good.example").build())) {
            HttpClient client = HttpClient.newHttpClient();
            for (String origin : new String[] {"https://good.example", "https://evil.example"}) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + strict.port() + "/peerjs/id")).header("Origin", origin).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.headers().firstValue("access-control-allow-origin"))
                        .isEqualTo(origin.contains("good") ? java.util.Optional.of(origin) : java.util.Optional.empty());
            }
        }
    }
}
