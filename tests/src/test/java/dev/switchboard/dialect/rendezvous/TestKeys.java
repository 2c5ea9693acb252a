package dev.switchboard.dialect.rendezvous;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Key pairs made with the JDK's own crypto, as JWKs a Rendezvous client would send, with signatures as
 * WebCrypto makes them and the peer ID computed independently of the server's code.
 */
public final class TestKeys {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    final String kind;
    final KeyPair pair;
    final String jwk;
    public final String peerId;
    private final String algorithm;

    private TestKeys(String kind, KeyPair pair, String jwk, String canonical, String algorithm) {
        this.kind = kind;
        this.pair = pair;
        this.jwk = jwk;
        this.peerId = sha256Hex(canonical);
        this.algorithm = algorithm;
    }

    public static TestKeys create(String kind) {
        try {
            switch (kind) {
                case "P-256":
                    return ec(kind, "secp256r1", 32, "SHA256withECDSAinP1363Format");
                case "P-384":
                    return ec(kind, "secp384r1", 48, "SHA384withECDSAinP1363Format");
                case "P-521":
                    return ec(kind, "secp521r1", 66, "SHA512withECDSAinP1363Format");
                case "Ed25519": {
                    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                    byte[] spki = pair.getPublic().getEncoded();
                    String x = B64.encodeToString(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
                    String canonical = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}";
                    return new TestKeys(kind, pair, "{\"crv\":\"Ed25519\",\"x\":\"" + x + "\",\"kty\":\"OKP\",\"ext\":true}",
                            canonical, "Ed25519");
                }
                case "RSA-2048":
                case "RSA-1024": {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(kind.equals("RSA-2048") ? 2048 : 1024);
                    KeyPair pair = g.generateKeyPair();
                    RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
                    String n = B64.encodeToString(unsigned(pub.getModulus()));
                    String e = B64.encodeToString(unsigned(pub.getPublicExponent()));
                    String canonical = "{\"kty\":\"RSA\",\"n\":\"" + n + "\",\"e\":\"" + e + "\"}";
                    return new TestKeys(kind, pair, "{\"alg\":\"RS256\",\"e\":\"" + e + "\",\"kty\":\"RSA\",\"n\":\"" + n + "\"}",
                            canonical, "SHA256withRSA");
                }
                default:
                    throw new IllegalArgumentException(kind);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static TestKeys ec(String crv, String jdk, int len, String alg) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(jdk));
        KeyPair pair = g.generateKeyPair();
        ECPublicKey pub = (ECPublicKey) pair.getPublic();
        String x = B64.encodeToString(fixed(pub.getW().getAffineX(), len));
        String y = B64.encodeToString(fixed(pub.getW().getAffineY(), len));
        String canonical = "{\"kty\":\"EC\",\"crv\":\"" + crv + "\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
        // members in WebCrypto's export order, plus the extras a real JWK has: none may change the peer ID
        String jwk = "{\"crv\":\"" + crv + "\",\"ext\":true,\"key_ops\":[\"verify\"],\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
        return new TestKeys(crv, pair, jwk, canonical, alg);
    }

    /** Signs the nonce's UTF-8 bytes; base64url without padding. */
    String sign(String nonce) {
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(pair.getPrivate());
            s.update(nonce.getBytes(StandardCharsets.UTF_8));
            return B64.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String register(String nonce) {
        return "{\"type\":\"register\",\"publicKey\":" + jwk + (nonce == null ? "" : ",\"signature\":\"" + sign(nonce) + "\"") + "}";
    }

    private static byte[] fixed(BigInteger v, int len) {
        byte[] raw = unsigned(v);
        byte[] out = new byte[len];
        System.arraycopy(raw, 0, out, len - raw.length, raw.length);
        return out;
    }

    private static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b[0] == 0 && b.length > 1 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
