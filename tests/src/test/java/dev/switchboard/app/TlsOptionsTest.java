package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.TestCa;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The TLS options' refusals on the command line: one line naming the option; exit 2 for a bad value, 3 at start. */
class TlsOptionsTest {
    private static String run(int expectedExit, String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).as(err.toString()).isEqualTo(expectedExit);
        return err.toString().strip();
    }

    @Test
    void filesThatAreMissingOrDoNotBelongTogetherAreRefusedInOneLine(@TempDir Path dir) {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued node = ca.issueServer("node");
        TestCa.Issued other = ca.issueServer("other");
        Path missing = dir.resolve("missing.pem");
        assertThat(run(2, "serve", "--tls-cert", missing.toString(), "--tls-key", node.keyFile().toString()))
                .isEqualTo("switchboard serve: --tls-cert: '" + missing + "' is not allowed; it takes a readable file");
        assertThat(run(2, "serve", "--tls-cert", node.certFile().toString()))
                .isEqualTo("switchboard serve: --tls-cert and --tls-key go together: the certificate chain and its "
                        + "private key");
        assertThat(run(2, "serve", "--tls-client-ca", ca.certFile().toString()))
                .isEqualTo("switchboard serve: --tls-client-ca needs --tls-cert and --tls-key: client certificates "
                        + "are asked for over TLS only");
        assertThat(run(3, "serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "-1",
                "--tls-cert", node.certFile().toString(), "--tls-key", other.keyFile().toString()))
                .isEqualTo("switchboard serve: cannot start: --tls-key " + other.keyFile()
                        + ": the key is not the key of the certificate in " + node.certFile());
    }
}
