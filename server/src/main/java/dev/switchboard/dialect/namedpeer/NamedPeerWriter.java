package dev.switchboard.dialect.namedpeer;

import dev.switchboard.dialect.JsonSplice;
import dev.switchboard.dialect.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The frames a named-peer server sends, byte-exact to the original server's README examples and key order. */
final class NamedPeerWriter {
    private NamedPeerWriter() {
    }

    /**
     * @param iceServers the node's ICE servers as a JSON array, or null: an extra member older clients ignore
     * @param resume the resume secret for a client that asked for one, or null (docs/protocols/named-peer.md#resume)
     */
    static byte[] loginSuccess(String name, List<String> clients, String iceServers, String resume) {
        StringBuilder b = new StringBuilder("{\"type\":\"login_success\",\"id\":").append(JsonStrings.quote(name))
                .append(",\"clients\":[");
        for (int i = 0; i < clients.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(JsonStrings.quote(clients.get(i)));
        }
        b.append(']');
        if (iceServers != null) {
            b.append(",\"iceServers\":").append(iceServers);
        }
        if (resume != null) {
            b.append(",\"resume\":").append(JsonStrings.quote(resume));
        }
        return bytes(b.append('}').toString());
    }

    static byte[] peerConnected(String name) {
        return bytes("{\"type\":\"peer_connected\",\"peer\":" + JsonStrings.quote(name) + "}");
    }

    static byte[] peerDisconnected(String name) {
        return bytes("{\"type\":\"peer_disconnected\",\"peer\":" + JsonStrings.quote(name) + "}");
    }

    static byte[] pong(long timestamp) {
        return bytes("{\"type\":\"pong\",\"timestamp\":" + timestamp + "}");
    }

    /** A broadcast event, rebuilt as upstream does: type, from, and for stream_stopped the reason. */
    static byte[] broadcast(NamedPeerMessage.Broadcast event, String from) {
        StringBuilder b = new StringBuilder("{\"type\":").append(JsonStrings.quote(event.type()))
                .append(",\"from\":").append(JsonStrings.quote(from));
        if (event.type().equals("stream_stopped")) {
            b.append(",\"reason\":").append(event.reasonJson() != null ? event.reasonJson() : "\"manual\"");
        }
        return bytes(b.append('}').toString());
    }

    /** The sender's message as received, with {@code from} (its name as {@link #quotedName} gives it) set by the server. */
    static byte[] relay(NamedPeerMessage.Relay relay, byte[] quotedFrom) {
        return JsonSplice.set(relay.scan(), "from", quotedFrom);
    }

    /** A peer's name as the JSON string {@link #relay} writes into each of its messages: made once per login. */
    static byte[] quotedName(String name) {
        return JsonStrings.quoteUtf8(name);
    }

    static byte[] error(String code) {
        return bytes("{\"type\":\"error\",\"error\":" + JsonStrings.quote(code) + "}");
    }

    static byte[] targetNotFound(String targetJson) {
        return bytes("{\"type\":\"error\",\"error\":\"target_not_found\",\"target\":" + targetJson + "}");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
