package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input from one client affects only that client: invalid JSON, wrong types and deep nesting are ignored
 * (the connection stays), a message over the 64 KiB limit closes that connection with 1009, and every other
 * client keeps working throughout.
 */
class ProtectionTest {
    private Switchboard node;
    private WsClient a;
    private WsClient b;

    @BeforeEach
    void start() {
        node = TestNodes.start();
        a = WsClient.connect(node.port(), "/");
        b = WsClient.connect(node.port(), "/");
        a.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
        b.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
        for (WsClient c : new WsClient[] {a, b}) { // a pong proves the subscription landed
            c.send("{\"type\":\"ping\"}");
            assertThat(c.next()).isEqualTo("{\"type\":\"pong\"}");
        }
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        node.close();
    }

    private void othersStillWork() {
        othersStillWork(2);
    }

    private void othersStillWork(int subscribers) {
        String expected = "{\"type\":\"publish\",\"topic\":\"room\",\"ok\":1,\"clients\":" + subscribers + "}";
        a.send("{\"type\":\"publish\",\"topic\":\"room\",\"ok\":1}");
        assertThat(b.next()).isEqualTo(expected);
        assertThat(a.next()).isEqualTo(expected);
    }

    @Test
    void invalidJsonAndWrongTypesAreIgnored() {
        try (WsClient bad = WsClient.connect(node.port(), "/")) {
            bad.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
            for (String frame : new String[] {"{", "}", "{\"type\":", "\"just a string\"", "12", "true",
                    "{\"type\":[\"publish\"],\"topic\":\"room\"}", "{\"type\":{\"x\":1}}", "{\"type\":\"subscribe\",\"topics\":7}",
                    "{\"type\":\"publish\",\"topic\":[\"room\"]}", "{\"type\":\"publish\",\"topic\":\"room\",}",
                    "\u0000\u0001", "{\"type\":\"publish\",\"topic\":\"room\",\"n\":01}", "{\"type\":\"publish\",\"topic\":\"room\",\"s\":\"\\x\"}"}) {
                bad.send(frame);
            }
            bad.sendBinary(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
            bad.send("{\"type\":\"ping\"}");
            assertThat(bad.next()).isEqualTo("{\"type\":\"pong\"}");
            assertThat(bad.isOpen()).isTrue();
            othersStillWork(3);
            assertThat(b.poll(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void deeplyNestedDocumentIsIgnored() {
        try (WsClient bad = WsClient.connect(node.port(), "/")) {
            String deep = "{\"type\":\"publish\",\"topic\":\"room\",\"data\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
            bad.send(deep);
            String limit = "{\"type\":\"publish\",\"topic\":\"room\",\"data\":" + "[".repeat(40) + "]".repeat(40) + "}";
            bad.send(limit);
            bad.send("{\"type\":\"ping\"}");
            assertThat(bad.next()).isEqualTo("{\"type\":\"pong\"}");
            othersStillWork();
            assertThat(b.poll(Duration.ofMillis(200))).isNull(); // neither deep document was relayed
            // within the depth limit it is relayed as usual
            String ok = "{\"type\":\"publish\",\"topic\":\"room\",\"data\":" + "[".repeat(20) + "]".repeat(20) + "}";
            bad.send(ok);
            assertThat(b.next()).isEqualTo(ok.substring(0, ok.length() - 1) + ",\"clients\":2}");
            a.next();
        }
    }

    @Test
    void sixteenMebibyteFrameClosesOnlyThatConnectionWith1009AndNoReset() {
        // The server decides after the frame's header while most of the frame is still on its way: it must read
        // (and drop) the rest, or its close resets the socket and the sender sees "connection reset by peer".
        try (WsClient bad = WsClient.connect(node.port(), "/")) {
            byte[] huge = new byte[16 * 1024 * 1024];
            Arrays.fill(huge, (byte) 'a');
            bad.sendFrame(new TextWebSocketFrame(Unpooled.wrappedBuffer(huge)));
            assertThat(bad.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1009);
            othersStillWork();
        }
    }

    @Test
    void unmaskedFrameClosesOnlyThatConnectionWith1002AndWhatFollowsIsDroppedWithoutReset() throws Exception {
        try (var bad = dev.switchboard.testkit.RawUpgrade.open(node.port(), "/")) {
            assertThat(bad.statusLine()).startsWith("HTTP/1.1 101");
            byte[] publish = "{\"type\":\"publish\",\"topic\":\"room\",\"x\":1}".getBytes(StandardCharsets.UTF_8);
            byte[] unmasked = new byte[2 + publish.length];
            unmasked[0] = (byte) 0x81; // FIN, text; the mask bit is not set, which clients must set
            unmasked[1] = (byte) publish.length;
            System.arraycopy(publish, 0, unmasked, 2, publish.length);
            bad.sendRaw(unmasked);
            byte[] junk = new byte[256 * 1024];
            Arrays.fill(junk, (byte) 0x81);
            bad.sendRaw(junk); // keeps coming after the violation: read and dropped, never a reset
            assertThat(bad.nextFrame()).startsWith("8:1002 ");
            assertThat(bad.endsCleanly()).isTrue();
        }
        othersStillWork();
    }

    @Test
    void invalidUtf8ClosesOnlyThatConnectionWith1007AndIsNeverRelayed() {
        try (WsClient bad = WsClient.connect(node.port(), "/")) {
            bad.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
            byte[] head = "{\"type\":\"publish\",\"topic\":\"room\",\"x\":\"".getBytes(StandardCharsets.UTF_8);
            byte[] frame = Arrays.copyOf(head, head.length + 4);
            frame[head.length] = (byte) 0xC3; // a lead byte followed by no continuation byte
            frame[head.length + 1] = (byte) 0x28;
            frame[head.length + 2] = '"';
            frame[head.length + 3] = '}';
            bad.sendFrame(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)));
            assertThat(bad.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1007);
            org.awaitility.Awaitility.await()
                    .until(() -> node.hub().knownCount(new dev.switchboard.core.RoomKey("y-webrtc", "room")) == 2);
            othersStillWork(); // they share the topic: the next thing they receive is this, not the bad frame
        }
    }

    @Test
    void aCharacterCutBetweenFragmentsIsValid() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        byte[] head = ("{\"type\":\"publish\",\"topic\":\"room\",\"ok\":1,\"x\":\"").getBytes(StandardCharsets.UTF_8);
        byte[] first = Arrays.copyOf(head, head.length + 1);
        first[head.length] = euro[0];
        byte[] rest = {euro[1], euro[2], '"', '}'};
        a.sendFrame(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(first)));
        a.sendFrame(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(rest)));
        assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room\",\"ok\":1,\"x\":\"€\",\"clients\":2}");
    }

    @Test
    void fragmentedMessageOverLimitClosesWith1009() {
        try (WsClient bad = WsClient.connect(node.port(), "/")) {
            byte[] part = new byte[40 * 1024];
            Arrays.fill(part, (byte) ' ');
            bad.sendFrames(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(part)),
                    new ContinuationWebSocketFrame(false, 0, Unpooled.wrappedBuffer(part)), // past 64 KiB
                    new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(part))); // after the refusal
            assertThat(bad.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1009);
            othersStillWork();
        }
    }

    @Test
    void messageAtTheLimitIsAccepted() {
        String prefix = "{\"type\":\"publish\",\"topic\":\"room\",\"pad\":\"";
        String suffix = "\"}";
        int pad = 64 * 1024 - prefix.length() - suffix.length();
        String max = prefix + "x".repeat(pad) + suffix;
        assertThat(max.getBytes(StandardCharsets.UTF_8)).hasSize(64 * 1024);
        a.send(max);
        assertThat(b.next()).hasSize(64 * 1024 + ",\"clients\":2".length());
        a.next();
        othersStillWork();
    }

    @Test
    void fragmentedMessageWithinLimitIsReassembled() {
        a.sendFrame(new TextWebSocketFrame(false, 0, Unpooled.copiedBuffer("{\"type\":\"publish\",", StandardCharsets.UTF_8)));
        a.sendFrame(new ContinuationWebSocketFrame(true, 0,
                Unpooled.copiedBuffer("\"topic\":\"room\",\"f\":1}", StandardCharsets.UTF_8)));
        assertThat(b.next()).isEqualTo("{\"type\":\"publish\",\"topic\":\"room\",\"f\":1,\"clients\":2}");
        a.next();
    }
}
