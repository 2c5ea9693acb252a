package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The auth options' refusals: one line naming the option, exit code 2 for a bad value, 3 for unreadable keys. */
class AuthOptionsTest {
    private static String run(int expectedExit, String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).as(err.toString()).isEqualTo(expectedExit);
        return err.toString().strip();
    }

    @Test
    void aModeThatIsNotOneOrTokensWithoutKeysAreRefused() {
        assertThat(run(2, "serve", "--auth", "sometimes")).isEqualTo("switchboard serve: --auth: 'sometimes' is not "
                + "allowed; it takes off, optional or required, then dialect=mode for y-webrtc, named-peer, "
                + "rendezvous, radix, peerjs, grpc");
        assertThat(run(2, "serve", "--auth", "required,td=off")).startsWith("switchboard serve: --auth: "
                + "'required,td=off' is not allowed");
        assertThat(run(2, "serve", "--auth", "required")).isEqualTo("switchboard serve: --auth required needs "
                + "--auth-jwks or --auth-hmac-secret-file: the keys tokens are checked with");
    }

    @Test
    void keysThatCannotBeReadStopTheStart(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), "{\"keys\": [");
        assertThat(run(3, "serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "-1", "--auth", "required",
                "--auth-jwks", jwks.toString())).startsWith("switchboard serve: cannot start: --auth-jwks " + jwks
                + ": cannot read the keys: ");
        Path secret = Files.writeString(dir.resolve("secret"), "too short\n");
        assertThat(run(3, "serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "-1", "--auth", "required",
                "--auth-hmac-secret-file", secret.toString())).isEqualTo("switchboard serve: cannot start: "
                + "--auth-hmac-secret-file " + secret + ": cannot read the keys: a shared secret needs at least "
                + "32 bytes (256 bits)");
        assertThat(run(3, "serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "-1", "--auth", "required",
                "--auth-hmac-secret-file", dir.resolve("missing").toString()))
                .startsWith("switchboard serve: cannot start: --auth-hmac-secret-file " + dir.resolve("missing")
                        + ": cannot read the keys: ");
    }
}
