package dev.switchboard.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;

/** Named-peer: each peer logs in as {@code p<index>} and relays to the next peer of its group, in a ring. */
final class NamedPeerBench implements BenchDialect {
    @Override
    public String name() {
        return "named-peer";
    }

    @Override
    public String path(int index, String room, int peersPerRoom, String basePath) {
        return basePath;
    }

    @Override
    public void opened(Peer peer) {
        peer.send("{\"type\":\"login\",\"name\":\"p" + peer.index() + "\"}");
    }

    @Override
    public void control(Peer peer, JsonNode message, int peersPerRoom) {
        String type = message.path("type").asText();
        if ("login_success".equals(type)) {
            peer.joined();
            int index = peer.index();
            int target = (index / peersPerRoom) * peersPerRoom + (index % peersPerRoom + 1) % peersPerRoom;
            peer.ready("{\"type\":\"bench\",\"target\":\"p" + target + "\",\"data\":", "}");
        } else if ("error".equals(type)) {
            peer.fail("error: " + message);
        }
    }
}
