package dev.switchboard.dialect;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The proof a peer shows to resume its identity (docs/design/resume.md): a secret the server hands out (or a
 * token the client already has), of which the cluster keeps only a digest, in the member's
 * {@link dev.switchboard.core.MemberInfo#RESUME} metadata.
 */
public final class ResumeSecret {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** What a secret handed back may look like: base64url, long enough to be one of ours, short enough to keep. */
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{22,128}");

    private ResumeSecret() {
    }

    /** A new secret: 128 random bits, base64url (22 characters). */
    public static String fresh() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Whether {@code secret} has the shape of one (anything else is no proof, and the login is a plain one). */
    public static boolean wellFormed(String secret) {
        return secret != null && SHAPE.matcher(secret).matches();
    }

    /** SHA-256 of the secret, base64url: what the cluster compares, never the secret itself. */
    public static String digest(String secret) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
