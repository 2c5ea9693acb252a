package dev.switchboard.auth;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * JWK set parsing: whatever the --auth-jwks-file holds, a node either takes it as keys or refuses it with
 * {@link TokenVerifier.UnreadableKeys} (which names the file at start-up), never another failure. The same
 * reading serves the reload, which keeps the old keys on any failure; at start-up an unexpected exception would
 * surface as a stack trace instead of the documented message.
 */
class JwksFileFuzzTest {
    private static Path file;

    @BeforeAll
    static void file() throws IOException {
        file = Files.createTempFile("jwks-fuzz", ".json");
    }

    @AfterAll
    static void delete() throws IOException {
        Files.delete(file);
    }

    @FuzzTest
    void readsOrRefuses(byte[] jwks) throws IOException {
        Files.write(file, jwks);
        try {
            new TokenVerifier(file, null, null, null, Duration.ZERO).close();
        } catch (TokenVerifier.UnreadableKeys refused) {
            // the documented refusal
        }
    }
}
