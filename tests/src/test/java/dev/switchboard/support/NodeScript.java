package dev.switchboard.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node script of the test suite (real clients: y-webrtc in Chromium, other languages' clients) and
 * returns its exit code, its output, and the JSON object on its last line. The script's packages must be
 * installed (`scripts/test-deps.sh`, which the README's test command runs).
 */
public final class NodeScript {
    private NodeScript() {
    }

    /** The outcome of a run: exit code, full output, and the last output line parsed as JSON (or null). */
    public record Result(int exitCode, List<String> output, JsonNode json) {
        public String describe() {
            return "exit " + exitCode + ", output:\n" + String.join("\n", output);
        }
    }

    /** Runs {@code node <script> args…} from {@code dir} (relative to the project), killed after {@code timeoutSeconds}. */
    public static Result run(String dir, String script, long timeoutSeconds, String... args) {
        Path workDir = ProjectFiles.module().resolve(dir);
        if (!Files.isDirectory(workDir.resolve("node_modules"))) {
            throw new IllegalStateException(workDir + "/node_modules is missing: run scripts/test-deps.sh "
                    + "(the README's test command, ./switchboard test, does)");
        }
        List<String> cmd = new ArrayList<>(List.of("node", script));
        cmd.addAll(List.of(args));
        try {
            File log = File.createTempFile("switchboard-node-script", ".log");
            log.deleteOnExit();
            Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log).start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            List<String> output = Files.readAllLines(log.toPath());
            JsonNode json = null;
            for (int i = output.size() - 1; i >= 0 && json == null; i--) {
                String line = output.get(i).trim();
                if (line.startsWith("{")) {
                    try {
                        json = new ObjectMapper().readTree(line);
                    } catch (IOException notJson) {
                        // keep looking
                    }
                }
            }
            return new Result(done ? p.exitValue() : -1, output, json);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run node (is Node installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
