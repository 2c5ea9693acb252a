package dev.switchboard.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Token parsing ({@link TokenVerifier}, jose4j): whatever a client sends as a token is either an identity or
 * refused with {@link InvalidTokenException} and a reason, never another failure; an identity is only ever
 * one whose expiry is in the future. The verifier holds a shared secret and an EC JWK set, so the seed tokens
 * (HS256 and ES256, some with grants, one expired) lead the fuzzer through both kinds of key.
 */
class TokenVerifierFuzzTest {
    /** The shared secret the seed tokens are signed with (HS256). */
    static final String SECRET = "fuzz-test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
    private static Path dir;
    private static TokenVerifier verifier;

    @BeforeAll
    static void keys() throws IOException {
        dir = Files.createTempDirectory("token-fuzz");
        Path jwks = dir.resolve("jwks.json");
        try (InputStream in = TokenVerifierFuzzTest.class.getResourceAsStream("fuzz-jwks.json")) {
            Files.write(jwks, in.readAllBytes());
        }
        Path secret = Files.writeString(dir.resolve("secret"), SECRET + "\n");
        verifier = new TokenVerifier(jwks, secret, null, null, Duration.ofSeconds(30));
    }

    @AfterAll
    static void close() throws IOException {
        verifier.close();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @FuzzTest
    void verifiesOrRefuses(byte[] token) {
        Identity identity;
        try {
            identity = verifier.verify(new String(token, StandardCharsets.UTF_8));
        } catch (InvalidTokenException refused) {
            assertFalse(refused.getMessage() == null || refused.getMessage().isEmpty(), "a refusal without a reason");
            return;
        }
        assertNotNull(identity.grants());
        assertTrue(identity.expiresAt().isAfter(Instant.now().minusSeconds(31)), "expired: " + identity.expiresAt());
    }
}
