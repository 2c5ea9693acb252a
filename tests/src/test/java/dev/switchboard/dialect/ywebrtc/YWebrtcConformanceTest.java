package dev.switchboard.dialect.ywebrtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.core.RoomKey;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The y-webrtc compatibility checklist (docs/protocols/y-webrtc.md#compatibility-checklist), point by point,
 * against a running node over real sockets. Expected bytes are those the upstream server (y-webrtc 10.3.0
 * bin/server.js) sends.
 */
class YWebrtcConformanceTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    private Switchboard node;
    private int port;

    @BeforeEach
    void start() {
        node = TestNodes.start();
        port = node.port();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private WsClient client(String... topics) {
        WsClient c = WsClient.connect(port, "/");
        if (topics.length > 0) {
            c.send("{\"type\":\"subscribe\",\"topics\":[\"" + String.join("\",\"", topics) + "\"]}");
        }
        return c;
    }

    /** Subscriptions are processed in order per connection; a ping round trip proves the earlier ones landed. */
    private static void sync(WsClient c) {
        c.send("{\"type\":\"ping\"}");
        assertThat(c.next()).isEqualTo("{\"type\":\"pong\"}");
    }

    // 1. upgrade on any path; plain GET on any path -> 200 okay text/plain
    @Test
    void upgradeOnAnyPathAndOkayOnPlainGet() throws Exception {
        try (WsClient a = WsClient.connect(port, "/"); WsClient b = WsClient.connect(port, "/x/y?z=1")) {
            sync(a);
            sync(b);
        }
        try (var c = dev.switchboard.testkit.RawUpgrade.open(port, "/%zz?q=%zz")) { // malformed escapes too
            assertThat(c.statusLine()).startsWith("HTTP/1.1 101");
        }
        HttpResponse<String> any = Http.get(port, "/some/path?q=1");
        assertThat(any.statusCode()).isEqualTo(200);
        assertThat(any.body()).isEqualTo("okay");
        try (var raw = new java.net.Socket("127.0.0.1", port)) {
            raw.getOutputStream().write("GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
            assertThat(new String(raw.getInputStream().readAllBytes())).startsWith("HTTP/1.1 200").endsWith("okay");
        }
        assertThat(any.headers().firstValue("content-type")).hasValue("text/plain");
    }

    // 2. publish from a non-subscriber reaches every subscriber with clients:2; the publisher gets nothing
    @Test
    void publishFromNonSubscriberReachesAllSubscribers() {
        try (WsClient a = client("room1"); WsClient b = client("room1"); WsClient c = client()) {
            sync(a);
            sync(b);
            c.send("{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"type\":\"announce\",\"from\":\"c\"}}");
            String expected = "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"type\":\"announce\",\"from\":\"c\"},\"clients\":2}";
            assertThat(a.next()).isEqualTo(expected);
            assertThat(b.next()).isEqualTo(expected);
            assertThat(c.poll(QUIET)).isNull();
        }
    }

    // 3. publish from a subscriber is echoed to it
    @Test
    void publishIsEchoedToSubscribedSender() {
        try (WsClient a = client("room1"); WsClient b = client("room1")) {
            sync(a);
            sync(b);
            a.send("{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"type\":\"announce\",\"from\":\"a\"}}");
            String expected = "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"type\":\"announce\",\"from\":\"a\"},\"clients\":2}";
            assertThat(a.next()).isEqualTo(expected);
            assertThat(b.next()).isEqualTo(expected);
        }
    }

    // 4. clients overwritten in place or appended; unknown fields kept; data bytes untouched
    @Test
    void clientsOverwrittenInPlaceAndUnknownFieldsKept() {
        try (WsClient a = client("room1"); WsClient b = client("room1")) {
            sync(a);
            sync(b);
            a.send("{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"x\":1},\"clients\":99,\"extra\":\"x\"}");
            assertThat(b.next()).isEqualTo(
                    "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"x\":1},\"clients\":2,\"extra\":\"x\"}");
            a.next();
            // a y-webrtc glare token and an encrypted (string) data member keep their exact bytes
            String signal = "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"to\":\"b3c1\",\"from\":\"8a0f\","
                    + "\"type\":\"signal\",\"token\":1714300000000.6282,\"signal\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}}";
            a.send(signal);
            assertThat(b.next()).isEqualTo(signal.substring(0, signal.length() - 1) + ",\"clients\":2}");
            a.next();
            String encrypted = "{\"type\":\"publish\",\"topic\":\"room1\",\"data\":\"B0FFUy1HQ00MyVvHhZEUANBbeO6UK+eZr8EBIAO12l/69FIPON2Zy9ysiXTetpOmQDj0kQJNu4i7oHlFE9PB9jE=\"}";
            a.send(encrypted);
            assertThat(b.next()).isEqualTo(encrypted.substring(0, encrypted.length() - 1) + ",\"clients\":2}");
            // a nested "clients" is data, not ours to touch
            a.send("{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"clients\":7}}");
            assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room1\",\"data\":{\"clients\":7},\"clients\":2}");
        }
    }

    // 5. {"type":"ping"} -> exactly {"type":"pong"} as a text frame
    @Test
    void pingGetsPongTextFrame() {
        try (WsClient a = client()) {
            a.send("{\"type\":\"ping\"}");
            WsClient.Message m = a.poll(Duration.ofSeconds(5));
            assertThat(m).isNotNull();
            assertThat(m.binary()).isFalse();
            assertThat(m.text()).isEqualTo("{\"type\":\"pong\"}");
        }
    }

    // 7. unsubscribe stops delivery; duplicate subscribe idempotent; non-string topics skipped
    @Test
    void unsubscribeDuplicateSubscribeAndNonStringTopics() {
        try (WsClient a = client(); WsClient b = client("room1")) {
            a.send("{\"type\":\"subscribe\",\"topics\":[\"room1\",42,\"room1\",{\"a\":1},null]}");
            a.send("{\"type\":\"subscribe\",\"topics\":[\"room1\"]}");
            sync(a);
            sync(b);
            b.send("{\"type\":\"publish\",\"topic\":\"room1\",\"n\":1}");
            assertThat(a.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room1\",\"n\":1,\"clients\":2}");
            b.next();
            a.send("{\"type\":\"unsubscribe\",\"topics\":[\"room1\"]}");
            sync(a);
            b.send("{\"type\":\"publish\",\"topic\":\"room1\",\"n\":2}");
            assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room1\",\"n\":2,\"clients\":1}");
            assertThat(a.poll(QUIET)).isNull();
        }
    }

    // 8. invalid JSON, non-array topics, binary frames: no crash, no effect on other sockets
    @Test
    void badInputIsIgnoredAndBinaryFramesWork() {
        try (WsClient bad = client("room1"); WsClient a = client("room1")) {
            sync(a);
            bad.send("not json");
            bad.send("{\"type\":\"subscribe\",\"topics\":\"abc\"}");
            bad.send("{\"type\":\"unsubscribe\",\"topics\":{\"a\":1}}");
            bad.send("[1,2]");
            bad.send("null");
            bad.send("{\"type\":\"foo\"}");
            bad.send("{\"type\":\"publish\",\"topic\":\"\"}");
            bad.send("{\"type\":\"publish\",\"topic\":5}");
            bad.send("{\"type\":\"publish\",\"topic\":\"room1\"} trailing");
            bad.send("{\"type\":\"subscribe\",\"topics\":null}");
            sync(bad);
            // a binary frame is handled like text; the reply is a text frame
            bad.sendBinary("{\"type\":\"publish\",\"topic\":\"room1\",\"b\":true}".getBytes(StandardCharsets.UTF_8));
            WsClient.Message m = a.poll(Duration.ofSeconds(5));
            assertThat(m).isNotNull();
            assertThat(m.binary()).isFalse();
            assertThat(m.text()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room1\",\"b\":true,\"clients\":2}");
            assertThat(bad.next()).isEqualTo(m.text());
            assertThat(bad.isOpen()).isTrue();
        }
    }

    @Test
    void publishToTopicNobodySubscribesIsDropped() {
        try (WsClient a = client("room1")) {
            sync(a);
            a.send("{\"type\":\"publish\",\"topic\":\"nobody\",\"x\":1}");
            assertThat(a.poll(QUIET)).isNull();
        }
    }

    @Test
    void emptiedTopicIsFreed() {
        RoomKey key = new RoomKey(YWebrtcDialect.NAMESPACE, "temp");
        try (WsClient a = client("temp"); WsClient b = client("temp")) {
            sync(a);
            sync(b);
            assertThat(node.hub().knownCount(key)).isEqualTo(2);
            a.send("{\"type\":\"unsubscribe\",\"topics\":[\"temp\"]}");
            sync(a);
            assertThat(node.hub().knownCount(key)).isEqualTo(1);
            b.close();
            await().until(() -> node.hub().knownCount(key) == -1);
            assertThat(node.hub().roomCount()).isZero();
        }
    }

    @Test
    void closedSubscriberNoLongerCounts() {
        try (WsClient a = client("room1"); WsClient b = client("room1")) {
            sync(a);
            sync(b);
            b.close();
            b.awaitClose(Duration.ofSeconds(5));
            await().until(
                    () -> node.hub().knownCount(new RoomKey(YWebrtcDialect.NAMESPACE, "room1")) == 1);
            a.send("{\"type\":\"publish\",\"topic\":\"room1\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room1\",\"clients\":1}");
        }
    }

    @Test
    void topicNamesAreCaseSensitiveAndAnyString() {
        try (WsClient a = client(); WsClient b = client()) {
            a.send("{\"type\":\"subscribe\",\"topics\":[\"Room\",\"__proto__\",\"r\\u00e9union \\ud83d\\ude00\"]}");
            b.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
            sync(a);
            sync(b);
            b.send("{\"type\":\"publish\",\"topic\":\"room\"}");
            assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room\",\"clients\":1}");
            assertThat(a.poll(QUIET)).isNull();
            b.send("{\"type\":\"publish\",\"topic\":\"__proto__\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"__proto__\",\"clients\":1}");
            b.send("{\"type\":\"publish\",\"topic\":\"réunion 😀\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"réunion 😀\",\"clients\":1}");
        }
    }

    @Test
    void messagesFromOneSenderArriveInOrder() {
        try (WsClient a = client("room1"); WsClient b = client("room1")) {
            sync(a);
            sync(b);
            for (int i = 0; i < 2000; i++) {
                a.send("{\"type\":\"publish\",\"topic\":\"room1\",\"seq\":" + i + "}");
            }
            for (int i = 0; i < 2000; i++) {
                assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room1\",\"seq\":" + i + ",\"clients\":2}");
            }
        }
    }
}
