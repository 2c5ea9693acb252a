package dev.switchboard.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.RoomKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The subscription codec drops exactly this node's own broadcasts, and hands every other message over as sent. */
class SubscriptionCodecTest {
    private final SubscriptionCodec codec = new SubscriptionCodec("node-a");

    @Test
    void ownBroadcastIsRecognisedWithoutACopy() {
        byte[] own = BusMessages.broadcast("node-a", null, "{\"type\":\"publish\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(codec.decodeValue(ByteBuffer.wrap(own))).isSameAs(SubscriptionCodec.OWN_BROADCAST);
    }

    @Test
    void everythingElseComesThroughAsSent() {
        byte[] payload = "hello".getBytes(StandardCharsets.UTF_8);
        RoomKey room = new RoomKey("y-webrtc", "r");
        byte[][] others = {
            BusMessages.broadcast("node-ab", null, payload), // another node whose id starts with this one's
            BusMessages.broadcast("node", "x", payload),
            BusMessages.direct("node-a", room, "m1", payload), // this node's own direct message: not a broadcast
            "J\nnode-a\nm1\n3|node-a|{}".getBytes(StandardCharsets.UTF_8), // its own join: the hub needs it
            "17|node-a|{}".getBytes(StandardCharsets.UTF_8), // a member value, as HGETALL answers on this connection
            "M\nnode-a".getBytes(StandardCharsets.UTF_8), // shorter than the head: not a broadcast of this node
        };
        for (byte[] message : others) {
            assertThat(codec.decodeValue(ByteBuffer.wrap(message))).isNotSameAs(SubscriptionCodec.OWN_BROADCAST)
                    .isEqualTo(message);
        }
    }

    @Test
    void readsFromTheBuffersPositionNotItsStart() {
        byte[] own = BusMessages.broadcast("node-a", null, new byte[] {1, 2, 3});
        ByteBuffer framed = ByteBuffer.allocate(own.length + 4);
        framed.put("$99\n".getBytes(StandardCharsets.UTF_8)).put(own).position(4);
        assertThat(codec.decodeValue(framed)).isSameAs(SubscriptionCodec.OWN_BROADCAST);
    }
}
