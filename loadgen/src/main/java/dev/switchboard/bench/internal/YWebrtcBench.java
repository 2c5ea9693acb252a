package dev.switchboard.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;

/** y-webrtc: every peer subscribes to its room's topic and publishes to it; every subscriber gets each message. */
final class YWebrtcBench implements BenchDialect {
    @Override
    public String name() {
        return "y-webrtc";
    }

    @Override
    public String path(int index, String room, int peersPerRoom, String basePath) {
        return basePath;
    }

    @Override
    public void opened(Peer peer) {
        peer.ready("{\"type\":\"publish\",\"topic\":\"" + peer.room() + "\",\"data\":", "}");
        peer.send("{\"type\":\"subscribe\",\"topics\":[\"" + peer.room() + "\"]}");
        // y-webrtc does not answer a subscribe; the pong, answered in order after it, says it was done
        peer.send("{\"type\":\"ping\"}");
    }

    @Override
    public void control(Peer peer, JsonNode message, int peersPerRoom) {
        if ("pong".equals(message.path("type").asText())) {
            peer.joined();
        }
    }

    @Override
    public void check(int ratePerPeer, int peersPerRoom, int idleConnections) {
        // open or closed loop: a publisher hears its own message, which is the echo a closed loop needs
    }

    @Override
    public int fanOut(int peersPerRoom) {
        return peersPerRoom; // the publisher hears its own message too
    }
}
