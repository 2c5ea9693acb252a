package dev.switchboard.dialect.rendezvous;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.dialect.JsonStrings;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Public-key identity for Rendezvous (docs/protocols/rendezvous.md): validates a public JWK with the JDK's own
 * crypto, derives the peer ID (lowercase hex SHA-256 of {@code JSON.stringify} of the essential members in the
 * order the original documentation uses: EC {kty,crv,x,y}, OKP {kty,crv,x}, RSA {kty,n,e}), and checks a proof of
 * possession: a signature over the server's nonce as WebCrypto makes it (ECDSA in IEEE P1363 form, Ed25519,
 * RSASSA-PKCS1-v1_5).
 */
final class RendezvousKeys {
    static final List<String> PRIVATE_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "k");
    static final int MIN_RSA_BITS = 2048;
    static final int MAX_RSA_BITS = 8192;
    private static final BigInteger F4 = BigInteger.valueOf(65537);

    /** A curve's JDK name, coordinate length and signature algorithm. */
    private record Curve(String jdkName, int length, String signature) {
    }

    private static final Map<String, Curve> CURVES = Map.of(
            "P-256", new Curve("secp256r1", 32, "SHA256withECDSAinP1363Format"),
            "P-384", new Curve("secp384r1", 48, "SHA384withECDSAinP1363Format"),
            "P-521", new Curve("secp521r1", 66, "SHA512withECDSAinP1363Format"));

    /** Why a JWK or a signature was refused; the message goes to the client as is. */
    static final class KeyRefused extends Exception {
        KeyRefused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A validated public key.
     *
     * @param canonical  the essential members as JSON, in the peer ID order: what is hashed, and what other
     *                   peers are given (nothing else of the client's JWK is stored or relayed)
     */
    record PublicJwk(String canonical, String peerId, PublicKey key, String signatureAlgorithm) {
    }

    private RendezvousKeys() {
    }

    static PublicJwk parse(JsonNode jwk) throws KeyRefused {
        if (jwk == null || !jwk.isObject()) {
            throw new KeyRefused("publicKey must be a JWK object");
        }
        for (String member : PRIVATE_MEMBERS) {
            if (jwk.has(member)) {
                throw new KeyRefused("publicKey carries private key material (\"" + member + "\"); send the public key only");
            }
        }
        String kty = text(jwk, "kty");
        try {
            return switch (kty) {
                case "EC" -> ec(jwk);
                case "OKP" -> okp(jwk);
                case "RSA" -> rsa(jwk);
                default -> throw new KeyRefused("unsupported key type: " + kty + " (EC, OKP or RSA)");
            };
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyRefused("invalid public key: " + e.getMessage());
        }
    }

    private static PublicJwk ec(JsonNode jwk) throws KeyRefused, GeneralSecurityException {
        String crv = text(jwk, "crv");
        Curve curve = CURVES.get(crv);
        if (curve == null) {
            throw new KeyRefused("unsupported EC curve: " + crv + " (P-256, P-384 or P-521)");
        }
        String x = text(jwk, "x");
        String y = text(jwk, "y");
        BigInteger px = new BigInteger(1, decode(x, curve.length(), "x"));
        BigInteger py = new BigInteger(1, decode(y, curve.length(), "y"));
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec(curve.jdkName()));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        // y^2 = x^3 + ax + b (mod p): a point off the curve is no key at all
        BigInteger lhs = py.pow(2).mod(p);
        BigInteger rhs = px.pow(3).add(spec.getCurve().getA().multiply(px)).add(spec.getCurve().getB()).mod(p);
        if (px.compareTo(p) >= 0 || py.compareTo(p) >= 0 || !lhs.equals(rhs)) {
            throw new KeyRefused("invalid public key: the point is not on " + crv);
        }
        PublicKey key = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(px, py), spec));
        String canonical = "{\"kty\":\"EC\",\"crv\":" + JsonStrings.quote(crv) + ",\"x\":" + JsonStrings.quote(x)
                + ",\"y\":" + JsonStrings.quote(y) + "}";
        return new PublicJwk(canonical, peerId(canonical), key, curve.signature());
    }

    private static PublicJwk okp(JsonNode jwk) throws KeyRefused, GeneralSecurityException {
        String crv = text(jwk, "crv");
        if (!"Ed25519".equals(crv)) {
            throw new KeyRefused("unsupported OKP curve: " + crv + " (Ed25519)");
        }
        String x = text(jwk, "x");
        byte[] raw = decode(x, 32, "x");
        // RFC 8032: little-endian y, with x's parity in the top bit of the last byte
        boolean xOdd = (raw[31] & 0x80) != 0;
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = raw[31 - i];
        }
        be[0] &= 0x7f;
        PublicKey key = KeyFactory.getInstance("Ed25519")
                .generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, be))));
        String canonical = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":" + JsonStrings.quote(x) + "}";
        return new PublicJwk(canonical, peerId(canonical), key, "Ed25519");
    }

    private static PublicJwk rsa(JsonNode jwk) throws KeyRefused, GeneralSecurityException {
        String n = text(jwk, "n");
        String e = text(jwk, "e");
        BigInteger modulus = new BigInteger(1, decode(n, -1, "n"));
        BigInteger exponent = new BigInteger(1, decode(e, -1, "e"));
        int bits = modulus.bitLength();
        if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
            throw new KeyRefused("RSA modulus must have " + MIN_RSA_BITS + " to " + MAX_RSA_BITS + " bits, not " + bits);
        }
        // 65537 only: what WebCrypto and every common library make; a huge exponent would make each signature
        // check cost milliseconds of a network thread (issue "Survive hostile clients")
        if (!exponent.equals(F4)) {
            throw new KeyRefused("RSA public exponent must be 65537 (\"e\":\"AQAB\")");
        }
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
        String canonical = "{\"kty\":\"RSA\",\"n\":" + JsonStrings.quote(n) + ",\"e\":" + JsonStrings.quote(e) + "}";
        return new PublicJwk(canonical, peerId(canonical), key, "SHA256withRSA");
    }

    /** Verifies a base64url signature over the UTF-8 bytes of {@code nonce}. */
    static boolean verify(PublicJwk jwk, String nonce, String signatureB64) throws KeyRefused {
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(stripPadding(signatureB64));
        } catch (IllegalArgumentException e) {
            throw new KeyRefused("signature must be base64url");
        }
        try {
            Signature verifier = Signature.getInstance(jwk.signatureAlgorithm());
            verifier.initVerify(jwk.key());
            verifier.update(nonce.getBytes(StandardCharsets.UTF_8));
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // malformed signature bytes: it does not verify
        }
    }

    static String peerId(String canonical) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode jwk, String member) throws KeyRefused {
        JsonNode v = jwk.get(member);
        if (v == null || !v.isTextual()) {
            throw new KeyRefused("publicKey." + member + " must be a string");
        }
        return v.asText();
    }

    /** Strict base64url (RFC 7515: no padding), with an exact length when {@code length} is not -1. */
    private static byte[] decode(String value, int length, String member) throws KeyRefused {
        byte[] bytes;
        try {
            if (value.indexOf('=') >= 0) {
                throw new IllegalArgumentException("padding");
            }
            bytes = Base64.getUrlDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new KeyRefused("publicKey." + member + " must be base64url without padding");
        }
        if (length != -1 && bytes.length != length) {
            throw new KeyRefused("publicKey." + member + " must be " + length + " bytes, not " + bytes.length);
        }
        if (bytes.length == 0) {
            throw new KeyRefused("publicKey." + member + " is empty");
        }
        return bytes;
    }

    private static String stripPadding(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        return s.substring(0, end);
    }
}
