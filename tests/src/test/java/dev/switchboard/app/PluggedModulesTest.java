package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Redis bus and the gRPC service plug into the server from their own modules; a node asked for one that is
 * not on its class path refuses to start with one line naming the option, and runs without it otherwise.
 */
class PluggedModulesTest {

    @Test
    void withoutTheGrpcModuleANodeRunsOnlyWithGrpcOff() throws Exception {
        String classPath = classPathWithout("grpc");
        Run refused = serve(classPath, "--grpc-port", "0");
        assertThat(refused.exitCode).isEqualTo(ServeCommand.EXIT_CANNOT_START);
        assertThat(refused.output).contains("switchboard serve: cannot start: --grpc-port 0: the gRPC service is "
                + "not on the class path (add dev.switchboard:switchboard-grpc, or set grpc-port to -1 to run without it)");

        Run started = serve(classPath, "--grpc-port", "-1", "--drain-timeout", "1ms");
        assertThat(started.output).contains("ready on port");
    }

    @Test
    void withoutTheRedisModuleAClusterUriIsRefused() throws Exception {
        Run refused = serve(classPathWithout("redis"), "--grpc-port", "-1", "--redis", "redis://127.0.0.1:1");
        assertThat(refused.exitCode).isEqualTo(ServeCommand.EXIT_CANNOT_START);
        assertThat(refused.output).contains("switchboard serve: cannot start: --redis redis://127.0.0.1:1: no cluster "
                + "bus on the class path takes this URI (add dev.switchboard:switchboard-redis)");
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs {@code switchboard serve} in its own JVM; a node that starts is stopped once it says it is ready. */
    private static Run serve(String classPath, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                System.getProperty("java.home") + "/bin/java", "-Xmx128m", "-cp", classPath,
                "dev.switchboard.app.Main", "serve", "--host", "127.0.0.1", "--port", "0"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                out.append(line).append('\n');
                if (line.contains("ready on port")) {
                    p.destroy(); // SIGTERM: a graceful stop
                    break;
                }
            }
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        return new Run(p.exitValue(), out.toString());
    }

    /** This JVM's class path without one Switchboard module (its classes folder or its jar). */
    private static String classPathWithout(String module) {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains(File.separator + module + File.separator + "target" + File.separator)
                        && !entry.contains("switchboard-" + module + "-"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath).as("the class path without %s", module).isNotEqualTo(System.getProperty("java.class.path"));
        return classPath;
    }
}
