package dev.switchboard.dialect.peerjs;

import dev.switchboard.dialect.JsonStrings;
import java.nio.charset.StandardCharsets;

/**
 * The frames a PeerJS server sends, byte-exact to upstream's {@code JSON.stringify} of its message objects:
 * keys in the order type, src, dst, payload, and absent ones left out (docs/protocols/peerjs.md).
 */
final class PeerJsWriter {
    static final byte[] OPEN = bytes("{\"type\":\"OPEN\"}");
    static final byte[] ID_TAKEN = bytes("{\"type\":\"ID-TAKEN\",\"payload\":{\"msg\":\"ID is taken\"}}");
    static final String NO_PARAMETERS = "No id, token, or key supplied to websocket server";
    static final String INVALID_KEY = "Invalid key provided";
    static final String LIMIT = "Server has reached its concurrent user limit";

    private PeerJsWriter() {
    }

    static byte[] error(String msg) {
        return bytes("{\"type\":\"ERROR\",\"payload\":{\"msg\":" + JsonStrings.quote(msg) + "}}");
    }

    /**
     * A relayed message rebuilt as upstream does: every other member of the client's object dropped.
     *
     * @param dstJson     the destination as JSON, or null when the client sent none
     * @param payloadJson the payload as the client sent it, or null when it sent none
     */
    static byte[] relay(String type, String src, String dstJson, String payloadJson) {
        StringBuilder b = new StringBuilder(64 + (payloadJson == null ? 0 : payloadJson.length()))
                .append("{\"type\":").append(JsonStrings.quote(type))
                .append(",\"src\":").append(JsonStrings.quote(src));
        if (dstJson != null) {
            b.append(",\"dst\":").append(dstJson);
        }
        if (payloadJson != null) {
            b.append(",\"payload\":").append(payloadJson);
        }
        return bytes(b.append('}').toString());
    }

    /** What the sender of messages that were never delivered gets: EXPIRE from the destination to it. */
    static byte[] expire(String destinationJson, String sender) {
        return bytes("{\"type\":\"EXPIRE\",\"src\":" + destinationJson + ",\"dst\":" + JsonStrings.quote(sender) + "}");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
