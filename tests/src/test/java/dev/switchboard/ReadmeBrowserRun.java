package dev.switchboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.TestCa;
import dev.switchboard.testkit.TestNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The README's browser snippets, all run in one headless Chromium run (src/test/browser/scenarios/readme.mjs says
 * what each is run with and what is recorded) against one node. The snippets say {@code wss://}: the node serves
 * TLS with a test CA's certificate on the port that stands for 443, and Chromium trusts that one key (as in
 * YWebrtcTlsBrowserTest). The run happens when the first snippet's result is asked for; each docs-test runner
 * then checks its own snippet's part.
 */
final class ReadmeBrowserRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path files;
    private final ExampleAddresses addresses;
    private final Map<String, String> snippets = new LinkedHashMap<>();
    private NodeScript.Result run;
    private String metrics;

    ReadmeBrowserRun(Path files) {
        this.files = files;
        this.addresses = new ExampleAddresses(files);
    }

    void add(ReadmeExample e) {
        snippets.put(e.name(), addresses.applyOverTls(e.text()));
    }

    /** What the scenario recorded for the snippet {@code name}, once it says the snippet did what it was checked for. */
    synchronized JsonNode result(String name) throws IOException {
        if (run == null) {
            runAll();
        }
        assertThat(run.exitCode()).as(run.describe()).isZero();
        JsonNode result = run.json().path("snippets").path(name);
        assertThat(result.path("ok").asBoolean()).as(name + ": " + result + "\n" + run.describe()).isTrue();
        return result;
    }

    /** The node's /metrics after the run. */
    String metrics() {
        return metrics;
    }

    private void runAll() throws IOException {
        Path dir = Files.createTempDirectory(files, "readme-browser");
        TestCa.Issued cert = TestCa.create(dir, "readme").issueServer("node");
        Path input = dir.resolve("snippets.json");
        Files.writeString(input, JSON.writeValueAsString(snippets));
        try (Switchboard node = TestNodes.start(TestNodes.config().host("127.0.0.1").port(addresses.port(443))
                .tls(cert.certFile().toString(), cert.keyFile().toString()).build())) {
            run = NodeScript.run("src/test/browser", "run.mjs", 400, "readme", "--port", Integer.toString(node.port()),
                    "--tls-spki", cert.spkiSha256(), "--snippets", input.toString(), "--timeout-ms", "360000");
            metrics = node.metrics().scrape();
        }
    }
}
