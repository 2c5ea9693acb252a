package dev.switchboard.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * PeerJS: each peer connects as id {@code p<index>} and, once OPEN, sends CANDIDATEs to the next peer of its
 * group, in a ring; the server rebuilds each with {@code src} and relays it. No HEARTBEAT is sent, so a run
 * must be shorter than the server's alive timeout (60 s by default, upstream's command line too).
 */
final class PeerJsBench implements BenchDialect {
    @Override
    public String name() {
        return "peerjs";
    }

    @Override
    public String path(int index, String room, int peersPerRoom, String basePath) {
        return basePath + (basePath.endsWith("/") ? "" : "/") + "peerjs?key=peerjs&id=p" + index + "&token=t" + index;
    }

    @Override
    public void opened(Peer peer) {
        // the URL is the handshake; OPEN answers it
    }

    @Override
    public void control(Peer peer, JsonNode message, int peersPerRoom) {
        String type = message.path("type").asText();
        if ("OPEN".equals(type)) {
            peer.joined();
            int index = peer.index();
            int target = (index / peersPerRoom) * peersPerRoom + (index % peersPerRoom + 1) % peersPerRoom;
            peer.ready("{\"type\":\"CANDIDATE\",\"dst\":\"p" + target + "\",\"payload\":", "}");
        } else if ("ERROR".equals(type) || "ID-TAKEN".equals(type) || "EXPIRE".equals(type)) {
            peer.fail(type + ": " + message);
        }
    }
}
