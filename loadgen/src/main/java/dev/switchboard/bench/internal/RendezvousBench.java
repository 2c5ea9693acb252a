package dev.switchboard.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Rendezvous: each peer registers a fresh P-256 key when challenged (without signing: the bench measures the
 * relay, not the proof) and offers to the first other peer it learns of.
 */
final class RendezvousBench implements BenchDialect {
    @Override
    public String name() {
        return "rendezvous";
    }

    @Override
    public String path(int index, String room, int peersPerRoom, String basePath) {
        return "/room/" + room + "/websocket";
    }

    @Override
    public void opened(Peer peer) {
        // registers when the challenge comes
    }

    @Override
    public void control(Peer peer, JsonNode message, int peersPerRoom) {
        String type = message.path("type").asText();
        if (type.equals("challenge")) {
            peer.send("{\"type\":\"register\",\"publicKey\":" + jwk() + "}");
        } else if (type.equals("welcome")) {
            peer.joined();
            if (!peer.isReady() && message.path("peers").size() > 0) {
                offerTo(peer, message.path("peers").get(0).path("id").asText());
            }
        } else if (!peer.isReady() && type.equals("peer-joined")) {
            offerTo(peer, message.path("peerId").asText());
        }
    }

    private static void offerTo(Peer peer, String peerId) {
        peer.ready("{\"type\":\"offer\",\"to\":\"" + peerId + "\",\"sdp\":", "}");
    }

    /** A fresh P-256 public key as a JWK. */
    private static String jwk() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            ECPublicKey k = (ECPublicKey) g.generateKeyPair().getPublic();
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + b64.encodeToString(fixed(k.getW().getAffineX()))
                    + "\",\"y\":\"" + b64.encodeToString(fixed(k.getW().getAffineY())) + "\"}";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A coordinate as the 32 bytes a P-256 JWK holds (BigInteger adds a sign byte or drops leading zeros). */
    private static byte[] fixed(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }
}
