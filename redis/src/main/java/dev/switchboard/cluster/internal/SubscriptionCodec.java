package dev.switchboard.cluster.internal;

import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The subscription connection's codec: bytes as they are, except this node's own broadcasts. A node follows the
 * channel of every room it publishes to, so Redis sends each of its broadcasts back to it; the node delivered
 * them to its own members already and drops them. Recognised here, from the first bytes of the message, they
 * are not copied out of Netty's buffer (a payload's worth per broadcast) and are not parsed.
 */
public final class SubscriptionCodec extends ByteArrayCodec {
    /** What a broadcast of this node decodes to; the dispatcher drops it (compared by identity). */
    public static final byte[] OWN_BROADCAST = new byte[0];

    private final byte[] ownHead;

    public SubscriptionCodec(String nodeId) {
        this.ownHead = ("M\n" + nodeId + '\n').getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] decodeValue(ByteBuffer bytes) {
        return isOwnBroadcast(bytes) ? OWN_BROADCAST : super.decodeValue(bytes);
    }

    private boolean isOwnBroadcast(ByteBuffer bytes) {
        int at = bytes.position();
        if (bytes.remaining() < ownHead.length) {
            return false;
        }
        for (int i = 0; i < ownHead.length; i++) {
            if (bytes.get(at + i) != ownHead[i]) {
                return false;
            }
        }
        return true;
    }
}
