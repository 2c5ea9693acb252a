package dev.switchboard.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;

/** Radix Connect: the two sides of a pairing (even index: the wallet) relay to each other once either is told of the other. */
final class RadixBench implements BenchDialect {
    @Override
    public String name() {
        return "radix";
    }

    @Override
    public String path(int index, String room, int peersPerRoom, String basePath) {
        boolean wallet = index % 2 == 0;
        int pairing = index / Math.max(1, peersPerRoom);
        return "/" + String.format("%064x", pairing + 1) + "?target=" + (wallet ? "extension" : "wallet")
                + "&source=" + (wallet ? "wallet" : "extension");
    }

    @Override
    public void check(int ratePerPeer, int peersPerRoom, int idleConnections) {
        BenchDialect.super.check(ratePerPeer, peersPerRoom, idleConnections);
        if (peersPerRoom != 2 && idleConnections == 0) {
            throw new IllegalArgumentException("radix pairs a wallet with an extension: --peers must be 2");
        }
    }

    @Override
    public void opened(Peer peer) {
        peer.joined(); // a side joins by its URL; the server answers nothing until the other side is there
    }

    @Override
    public void control(Peer peer, JsonNode message, int peersPerRoom) {
        String info = message.path("info").asText();
        if (!peer.isReady() && (info.equals("remoteClientIsAlreadyConnected") || info.equals("remoteClientJustConnected"))) {
            peer.ready("{\"requestId\":\"b" + peer.index() + "\",\"method\":\"offer\",\"targetClientId\":\""
                    + message.path("remoteClientId").asText() + "\",\"encryptedPayload\":\"00\",\"data\":", "}");
        }
    }
}
