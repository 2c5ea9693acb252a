package dev.switchboard.dialect.peerjs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.support.ProjectFiles;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Byte-for-byte parity with the real thing: the same script is played against the stock PeerJS server (npm
 * {@code peer} 1.0.2, its PeerServer unmodified, on loopback) and against Switchboard, configured alike, and
 * every client must receive exactly the same frames, in the same order, and the same closes, from both; the
 * HTTP answers must match too. Each row of the upstream checklist is in the script (docs/protocols/peerjs.md
 * #compatibility-checklist); where Switchboard differs on purpose (the README's list), the test says so.
 */
class PeerJsUpstreamParityTest {
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
    private static Process upstream;
    private static int upstreamMain;
    private static int upstreamMounted;
    private static Switchboard main;
    private static Switchboard mounted;

    @BeforeAll
    static void startBoth() throws Exception {
        upstreamMain = freePort();
        upstreamMounted = freePort();
        File dir = ProjectFiles.module().resolve("src/test/browser").toFile();
        if (!new File(dir, "node_modules/peer/package.json").exists()) {
            throw new IllegalStateException("peer is not installed: run scripts/test-deps.sh");
        }
        ProcessBuilder pb = new ProcessBuilder("node", "upstream-peerjs.mjs").directory(dir)
                .redirectErrorStream(true).redirectOutput(File.createTempFile("upstream-peerjs", ".log"));
        // the main pair: default path and key, discovery on, a short expiry; the mounted pair: another path and
        // key, a short alive timeout and a limit of one client
        pb.environment().put("PEERJS_SERVERS", "[{\"port\":" + upstreamMain + ",\"path\":\"/\",\"expire_timeout\":3000,"
                + "\"allow_discovery\":true},{\"port\":" + upstreamMounted + ",\"path\":\"/myapp\",\"key\":\"secret\","
                + "\"alive_timeout\":2000,\"concurrent_limit\":1}]");
        upstream = pb.start();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (!upstream.isAlive()) {
                throw new IllegalStateException("the stock PeerJS server did not start");
            }
            return answers(upstreamMain, "/x/id") && answers(upstreamMounted, "/myapp/x/id");
        });
        main = TestNodes.start(TestNodes.config().set(NodeOptions.PEERJS_EXPIRE_TIMEOUT, Duration.ofSeconds(3))
                .set(NodeOptions.PEERJS_ALLOW_DISCOVERY, true).build());
        mounted = TestNodes.start(TestNodes.config().set(NodeOptions.PEERJS_PATH, "/myapp")
                .set(NodeOptions.PEERJS_KEY, "secret").set(NodeOptions.PEERJS_ALIVE_TIMEOUT, Duration.ofSeconds(2))
                .set(NodeOptions.PEERJS_CONCURRENT_LIMIT, 1).build());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean answers(int port, String path) {
        try {
            return get(port, path, Map.of()).statusCode() == 200;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    @AfterAll
    static void stopBoth() throws Exception {
        if (upstream != null) {
            upstream.destroy();
            upstream.waitFor(10, TimeUnit.SECONDS);
            upstream.destroyForcibly();
        }
        if (main != null) {
            main.close();
        }
        if (mounted != null) {
            mounted.close();
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> get(int port, String path, Map<String, String> headers) {
        return request(port, "GET", path, headers);
    }

    private static HttpResponse<String> request(int port, String method, String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The clients of one run by name, and everything each received, in order ("close:<code>" for a close). */
    private static final class Run {
        final int port;
        final Map<String, WsClient> clients = new LinkedHashMap<>();
        final Map<String, List<String>> received = new LinkedHashMap<>();
        int marks;

        Run(int port) {
            this.port = port;
        }

        void connect(String name, String query) {
            clients.put(name, WsClient.connect(port, "/peerjs?" + query));
            received.putIfAbsent(name, new ArrayList<>());
        }

        void send(String name, String frame) {
            clients.get(name).send(frame);
        }

        /** Takes the next {@code n} frames a client receives (what arrives only after a while: EXPIRE). */
        void take(String name, int n) {
            for (int i = 0; i < n; i++) {
                WsClient.Message m = clients.get(name).poll(Duration.ofSeconds(15));
                assertThat(m).as("%s's frame %d on port %d", name, i, port).isNotNull();
                received.get(name).add(frame(m));
            }
        }

        void awaitClose(String name) {
            received.get(name).add("close:" + clients.get(name).awaitClose(Duration.ofSeconds(15)).code());
        }

        /**
         * Each named client, holding its id, relays a numbered mark to itself and records what arrives before
         * the mark comes back: both servers handle one socket's frames in order, so once its mark is back its
         * earlier frames were handled and what they sent to it has arrived. The marks are not recorded.
         */
        void sync(String... names) {
            for (String name : names) {
                int mark = ++marks;
                String id = name.replaceAll("[0-9]+$", "");
                send(name, "{\"type\":\"CANDIDATE\",\"dst\":\"" + id + "\",\"payload\":{\"mark\":" + mark + "}}");
                String back = "\"payload\":{\"mark\":" + mark + "}}";
                while (true) {
                    WsClient.Message m = clients.get(name).poll(Duration.ofSeconds(10));
                    if (m == null) {
                        throw new AssertionError("mark " + mark + " did not come back to " + name + " on port " + port
                                + "; received: " + received.get(name));
                    }
                    if (m.text().endsWith(back)) {
                        break;
                    }
                    received.get(name).add(frame(m));
                }
            }
        }

        /** Nothing more may come: a short quiet period shows it. */
        void drain() {
            clients.forEach((name, c) -> {
                WsClient.Message m;
                while ((m = c.poll(Duration.ofMillis(300))) != null) {
                    received.get(name).add(frame(m));
                }
            });
        }

        void close() {
            clients.values().forEach(WsClient::close);
        }
    }

    private static String frame(WsClient.Message m) {
        return (m.binary() ? "binary:" : "text:") + m.text();
    }

    /** Until {@code /peerjs/peers} (discovery is on) does or does not list the id. */
    private static void awaitListed(int port, String id, boolean listed) {
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> get(port, "/peerjs/peers", Map.of()).body().contains("\"" + id + "\"") == listed);
    }

    /** The script; returns whether alice's first socket was still open after alice2 took her id over. */
    private static boolean play(Run r) {
        // the handshake answers
        r.connect("noid", "key=peerjs&token=t");
        r.take("noid", 1);
        r.awaitClose("noid");
        r.connect("badkey", "key=nope&id=x&token=t");
        r.take("badkey", 1);
        r.awaitClose("badkey");
        r.connect("alice", "key=peerjs&id=alice&token=ta&version=1.5.5");
        r.take("alice", 1);
        r.connect("bob", "key=peerjs&id=bob&token=tb&version=1.5.5");
        r.take("bob", 1);
        r.connect("thief", "key=peerjs&id=bob&token=other");
        r.take("thief", 1);
        r.awaitClose("thief");
        // relays as the peerjs client sends them, then rebuilt, spoofed, stripped, reordered
        r.send("alice", "{\"type\":\"OFFER\",\"payload\":{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 46117 2 IN IP4 "
                + "127.0.0.1\\r\\n\"},\"type\":\"data\",\"connectionId\":\"dc_x1\",\"label\":\"dc_x1\",\"reliable\":false,"
                + "\"serialization\":\"binary\",\"metadata\":null},\"dst\":\"bob\"}");
        r.send("bob", "{\"type\":\"ANSWER\",\"payload\":{\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\"},\"type\":\"data\","
                + "\"connectionId\":\"dc_x1\"},\"dst\":\"alice\"}");
        r.send("bob", "{\"type\":\"CANDIDATE\",\"payload\":{\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 "
                + "127.0.0.1 50000 typ host\",\"sdpMLineIndex\":0,\"sdpMid\":\"0\"},\"type\":\"data\",\"connectionId\":\"dc_x1\"},"
                + "\"dst\":\"alice\"}");
        r.send("alice", "{\"type\":\"OFFER\",\"dst\":\"bob\",\"src\":\"mallory\",\"payload\":{\"a\":[1,2.5,true,null,\"é😀\"]},\"extra\":1}");
        r.send("alice", "{\"payload\":null,\"dst\":\"bob\",\"type\":\"CANDIDATE\"}");
        r.send("alice", "{\"type\":\"ANSWER\",\"dst\":\"bob\"}");
        r.clients.get("alice").sendBinary("{\"type\":\"ANSWER\",\"dst\":\"bob\",\"payload\":\"bin\"}"
                .getBytes(StandardCharsets.UTF_8));
        // ignored without a word
        for (String f : new String[] {"not json", "[1,2]", "42", "null", "{\"type\":\"OPEN\",\"dst\":\"bob\"}",
            "{\"type\":\"ERROR\",\"dst\":\"bob\"}", "{\"type\":\"offer\",\"dst\":\"bob\"}", "{\"dst\":\"bob\"}",
            "{\"type\":\"HEARTBEAT\"}", "{\"type\":\"OFFER\"}", "{\"type\":\"OFFER\",\"dst\":\"\"}"}) {
            r.send("alice", f);
        }
        r.send("alice", "{\"type\":\"LEAVE\",\"dst\":\"bob\"}");
        r.sync("alice", "bob");
        // the queue: delivered after OPEN, in order; LEAVE and EXPIRE for an absent id dropped
        r.send("alice", "{\"type\":\"OFFER\",\"dst\":\"carol\",\"payload\":1}");
        r.send("alice", "{\"type\":\"CANDIDATE\",\"dst\":\"carol\",\"payload\":2}");
        r.send("alice", "{\"type\":\"LEAVE\",\"dst\":\"carol\"}");
        r.send("alice", "{\"type\":\"EXPIRE\",\"dst\":\"carol\"}");
        // frames of two sockets have no order between them (Switchboard reads on several loops): alice's first
        r.sync("alice");
        r.send("bob", "{\"type\":\"OFFER\",\"dst\":\"carol\",\"payload\":3}");
        r.sync("alice", "bob");
        r.connect("carol", "key=peerjs&id=carol&token=tc");
        r.take("carol", 4);
        r.sync("carol");
        // never delivered: one EXPIRE per sender
        r.send("alice", "{\"type\":\"OFFER\",\"dst\":\"dave\"}");
        r.send("alice", "{\"type\":\"CANDIDATE\",\"dst\":\"dave\"}");
        r.send("bob", "{\"type\":\"OFFER\",\"dst\":\"dave\"}");
        r.take("alice", 1);
        r.take("bob", 1);
        // the same token takes alice over (no OPEN); the new socket gets what is sent to alice
        r.connect("alice2", "key=peerjs&id=alice&token=ta");
        r.sync("alice2");
        r.send("bob", "{\"type\":\"OFFER\",\"dst\":\"alice\",\"payload\":\"to the new socket\"}");
        r.sync("bob", "alice2");
        boolean oldStillOpen = r.clients.get("alice").isOpen();
        r.clients.remove("alice").close();
        // LEAVE without dst: the id is free for another token
        r.send("bob", "{\"type\":\"LEAVE\"}");
        awaitListed(r.port, "bob", false);
        r.connect("bob2", "key=peerjs&id=bob&token=new");
        r.take("bob2", 1);
        r.send("alice2", "{\"type\":\"OFFER\",\"dst\":\"bob\"}");
        r.sync("alice2", "bob2");
        r.drain();
        r.close();
        return oldStillOpen;
    }

    @Test
    void everyClientReceivesExactlyWhatTheStockServerSends() {
        Run expected = new Run(upstreamMain);
        Run actual = new Run(main.port());
        boolean upstreamOldOpen = play(expected);
        boolean oursOldOpen = play(actual);
        assertThat(expected.received.values().stream().mapToInt(List::size).sum()).as("the script exercises the server")
                .isGreaterThan(20);
        assertThat(actual.received.keySet()).containsExactlyElementsOf(expected.received.keySet());
        expected.received.forEach((name, frames) ->
                assertThat(actual.received.get(name)).as("frames received by %s", name).containsExactlyElementsOf(frames));
        // the listed difference: upstream leaves the taken-over socket open, Switchboard closes it
        assertThat(upstreamOldOpen).isTrue();
        assertThat(oursOldOpen).isFalse();
    }

    @Test
    void aSilentClientIsClosedAndTheLimitRefusesAsUpstream() {
        for (int port : new int[] {upstreamMounted, mounted.port()}) {
            // at the mounted path, with its key
            try (WsClient first = WsClient.connect(port, "/myapp/peerjs?key=secret&id=first&token=t")) {
                assertThat(first.next()).as("port %d", port).isEqualTo("{\"type\":\"OPEN\"}");
                WsClient second = WsClient.connect(port, "/myapp/peerjs?key=secret&id=second&token=t");
                assertThat(second.next()).as("port %d", port)
                        .isEqualTo("{\"type\":\"ERROR\",\"payload\":{\"msg\":\"Server has reached its concurrent user limit\"}}");
                assertThat(second.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(WsClient.CloseStatus.NO_STATUS);
                // no HEARTBEAT for 2 s
                assertThat(first.awaitClose(Duration.ofSeconds(15)).code()).as("port %d", port)
                        .isEqualTo(WsClient.CloseStatus.NO_STATUS);
                assertThat(first.pending()).isZero();
            }
        }
    }

    /** What of an HTTP answer is compared: status, content type, CORS headers, and the body (a UUID as such). */
    private static String http(int port, String method, String path, Map<String, String> headers) {
        HttpResponse<String> r = request(port, method, path, headers);
        String body = r.body().matches(UUID) ? "<uuid>" : r.body();
        return r.statusCode() + " " + r.headers().firstValue("content-type").orElse("-")
                + " acao=" + r.headers().firstValue("access-control-allow-origin").orElse("-")
                + " vary=" + r.headers().firstValue("vary").orElse("-")
                + " methods=" + r.headers().firstValue("access-control-allow-methods").orElse("-")
                + " allow-headers=" + r.headers().firstValue("access-control-allow-headers").orElse("-")
                + " " + body;
    }

    private static List<String> httpScript(int mainPort, int mountedPort) {
        Map<String, String> origin = Map.of("Origin", "https://app.example");
        return List.of(
                http(mainPort, "GET", "/peerjs/id?ts=17143000000000.123&version=1.5.5", Map.of()),
                http(mainPort, "GET", "/anykey/id", origin),
                http(mainPort, "GET", "/PeerJS/ID/", Map.of()),
                http(mainPort, "GET", "/peerjs/peers", origin),
                http(mainPort, "OPTIONS", "/peerjs/id", Map.of("Origin", "https://app.example",
                        "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-custom")),
                http(mountedPort, "GET", "/myapp", origin),
                http(mountedPort, "GET", "/myapp/", Map.of()),
                http(mountedPort, "GET", "/myapp/secret/peers", Map.of()),
                http(mountedPort, "GET", "/myapp/secret/id", Map.of()));
    }

    @Test
    void httpAnswersAsUpstream() {
        assertThat(httpScript(main.port(), mounted.port()))
                .containsExactlyElementsOf(httpScript(upstreamMain, upstreamMounted));
        // the listed difference: at the root mount, GET / stays the shared paths' okay
        assertThat(http(upstreamMain, "GET", "/", Map.of())).endsWith("\"website\":\"https://peerjs.com/\"}");
        assertThat(http(main.port(), "GET", "/", Map.of())).endsWith(" okay");
    }
}
