package dev.switchboard;

import dev.switchboard.testkit.LoopbackPorts;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the docs test turns a README example into one that runs on this machine, and all it changes: the
 * example's ports (8080–8083, 9090, 50051–50053, 6379, 443) become free loopback ports, each the same wherever it
 * appears in one example; the example's hosts and networks (10.0.0.x, 10.0.0.0/8, signal.example.com, wss://)
 * become loopback (ws://127.0.0.1, or wss://127.0.0.1 for a node serving TLS); files under /etc/switchboard/ become files the test wrote. The README says so
 * in its Development section.
 */
final class ExampleAddresses {
    private static final Pattern PORT = Pattern.compile("(?<![\\d.])(8080|8081|8082|8083|9090|50051|50052|50053|6379|443)(?![\\d.])");
    private final Map<String, Integer> ports = new HashMap<>();
    private final Path files;

    ExampleAddresses(Path files) {
        this.files = files;
    }

    /** The loopback port that stands for the example's {@code port}. */
    int port(int port) {
        return ports.computeIfAbsent(Integer.toString(port), p -> {
            for (int candidate; ; ) {
                candidate = LoopbackPorts.candidate();
                if (!ports.containsValue(candidate)) {
                    return candidate;
                }
            }
        });
    }

    /** Makes the example's {@code port} stand for an existing server's port (a Redis the test started). */
    ExampleAddresses bind(int port, int actual) {
        ports.put(Integer.toString(port), actual);
        return this;
    }

    /**
     * As {@link #apply}, but for a node that serves TLS: {@code wss://signal.example.com} stays {@code wss://}, on the
     * loopback port that stands for 443 (the browser snippets run against such a node).
     */
    String applyOverTls(String example) {
        return apply(example.replace("wss://signal.example.com", "wss://127.0.0.1:443"));
    }

    String apply(String example) {
        String s = example.replace("wss://signal.example.com", "ws://127.0.0.1:" + port(8080))
                .replace("/etc/switchboard/", files.toString() + "/")
                .replace("10.0.0.0/8", "127.0.0.0/8")
                .replaceAll("\\b10\\.0\\.0\\.\\d+\\b", "127.0.0.1")
                .replace("signal.example.com", "127.0.0.1");
        Matcher m = PORT.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Integer.toString(port(Integer.parseInt(m.group(1)))));
        }
        return m.appendTail(out).toString();
    }
}
