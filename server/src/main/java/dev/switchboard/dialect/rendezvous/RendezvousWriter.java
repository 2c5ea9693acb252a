package dev.switchboard.dialect.rendezvous;

import dev.switchboard.core.MemberInfo;
import dev.switchboard.dialect.JsonSplice;
import dev.switchboard.dialect.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The frames a Rendezvous server sends; docs/protocols/rendezvous.md gives their exact shapes. */
final class RendezvousWriter {
    static final String PUBLIC_KEY = "publicKey";
    static final String VERIFIED = "verified";

    private RendezvousWriter() {
    }

    static byte[] challenge(String nonce) {
        return bytes("{\"type\":\"challenge\",\"nonce\":" + JsonStrings.quote(nonce) + "}");
    }

    /** @param iceServers the node's ICE servers as a JSON array, or null: an extra member older clients ignore */
    static byte[] welcome(String peerId, List<MemberInfo> peers, String iceServers) {
        StringBuilder b = new StringBuilder("{\"type\":\"welcome\",\"peerId\":").append(JsonStrings.quote(peerId))
                .append(",\"peers\":[");
        for (int i = 0; i < peers.size(); i++) {
            MemberInfo p = peers.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"id\":").append(JsonStrings.quote(p.id())).append(",\"publicKey\":").append(p.meta(PUBLIC_KEY));
            if ("true".equals(p.meta(VERIFIED))) {
                b.append(",\"verified\":true");
            }
            b.append('}');
        }
        b.append(']');
        if (iceServers != null) {
            b.append(",\"iceServers\":").append(iceServers);
        }
        return bytes(b.append('}').toString());
    }

    static byte[] peerJoined(MemberInfo peer) {
        return bytes("{\"type\":\"peer-joined\",\"peerId\":" + JsonStrings.quote(peer.id()) + ",\"publicKey\":"
                + peer.meta(PUBLIC_KEY) + ("true".equals(peer.meta(VERIFIED)) ? ",\"verified\":true" : "") + "}");
    }

    static byte[] peerLeft(String peerId) {
        return bytes("{\"type\":\"peer-left\",\"peerId\":" + JsonStrings.quote(peerId) + "}");
    }

    static byte[] error(String message) {
        return bytes("{\"type\":\"error\",\"message\":" + JsonStrings.quote(message) + "}");
    }

    /**
     * The sender's message with its {@code to} member replaced, in place, by {@code from}: the sender's ID. A
     * {@code from} the client put in is dropped: only the server says who sent a message.
     */
    static byte[] relay(RendezvousMessage.Relay relay, byte[] fromMember) {
        return JsonSplice.replaceMember(relay.scan(), relay.toMember(), fromMember, relay.scan().get("from"));
    }

    /** {@code "from":<peer ID>}, what {@link #relay} puts in every message of that sender: made once per peer. */
    static byte[] fromMember(String fromPeerId) {
        return bytes("\"from\":" + JsonStrings.quote(fromPeerId));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
