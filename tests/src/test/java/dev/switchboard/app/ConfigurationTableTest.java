package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import dev.switchboard.support.ProjectFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's configuration table and {@code --help} both come from the option definitions, and agree with them. */
class ConfigurationTableTest {

    @Test
    void theReadmeTableIsTheOneTheDefinitionsMake() throws Exception {
        String readme = Files.readString(ProjectFiles.root().resolve("README.md"));
        String table = ServeCommand.markdownTable();
        assertThat(readme).as("README.md's configuration table; from the definitions it reads:%n%s", table)
                .contains(table);
    }

    @Test
    void aValueAnOptionDoesNotAllowStopsTheStartWithOneLineAndExitCodeTwo() {
        assertRefused(new String[] {"serve", "--port", "70000"},
                "switchboard serve: --port: '70000' is not allowed; it takes a whole number from 0 to 65535");
        assertRefused(new String[] {"serve", "--log-level", "LOUD"},
                "switchboard serve: --log-level: 'LOUD' is not allowed; it takes one of trace, debug, info, warn, error, off");
        assertRefused(new String[] {"serve", "--ping-interval", "soon"},
                "switchboard serve: --ping-interval: 'soon' is not allowed; it takes a duration of at least 1ms, such as 500ms, 30s or 2m");
        assertRefused(new String[] {"serve", "--heartbeat-interval", "3s"},
                "switchboard serve: --failure-timeout (5s) must be at least twice --heartbeat-interval (3s)");
    }

    @Test
    void aPortInUseStopsTheStartWithOneLineNamingTheOptionAndExitCodeThree() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertCannotStart(new String[] {"serve", "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--grpc-port", "-1"}, "--port " + port + ": 127.0.0.1:" + port + " is already in use");
            assertCannotStart(new String[] {"serve", "--host", "127.0.0.1", "--port", "0",
                    "--grpc-port", Integer.toString(port)}, "--grpc-port " + port + ": 127.0.0.1:" + port + " is already in use");
        }
    }

    private static void assertCannotStart(String[] args, String problem) {
        CommandLine cli = Main.commandLine();
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).isEqualTo(ServeCommand.EXIT_CANNOT_START);
        assertThat(err.toString()).isEqualTo("switchboard serve: cannot start: " + problem + System.lineSeparator());
    }

    private static void assertRefused(String[] args, String line) {
        CommandLine cli = Main.commandLine();
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).isEqualTo(ServeCommand.EXIT_BAD_OPTION);
        assertThat(err.toString()).isEqualTo(line + System.lineSeparator());
    }

    @Test
    void versionIsTheProjectsVersion() {
        CommandLine cli = Main.commandLine();
        java.io.StringWriter out = new java.io.StringWriter();
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("--version")).isZero();
        assertThat(out.toString().trim()).isEqualTo("switchboard " + dev.switchboard.Switchboard.VERSION)
                .matches("switchboard \\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void helpDescribesEveryOptionWithItsEnvironmentVariableAndDefault() {
        CommandLine serve = Main.commandLine().getSubcommands().get("serve");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        serve.usage(new PrintWriter(bytes, true, StandardCharsets.UTF_8));
        String help = bytes.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        for (var option : ServeCommand.options()) {
            assertThat(help).contains(option.flag()).contains("env " + option.env())
                    .contains("Default: " + option.defaultText() + ".");
        }
    }
}
