package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.NodeProcess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With --log-format json every line is one JSON object whose message has its arguments filled in. */
class JsonLogTest {
    @Test
    void everyLineIsJsonWithItsArgumentsFilledIn() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (NodeProcess node = NodeProcess.start("--log-format", "json")) {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : node.output()) {
                lines.add(json.readTree(line)); // fails on a line that is not JSON
            }
            assertThat(lines).anySatisfy(l -> assertThat(l.path("formattedMessage").asText())
                    .isEqualTo("node " + l.path("formattedMessage").asText().split(" ")[1] + " ready on port " + node.port()));
            assertThat(lines).noneSatisfy(l -> assertThat(l.path("formattedMessage").asText()).contains("{}"));
        }
    }

    /** grpc-java logs through java.util.logging; those lines come through the same logger, as JSON. */
    @Test
    void malformedGrpcConnectionsWriteNoStackTracesOutsideTheLogs() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (NodeProcess node = NodeProcess.start("--log-format", "json", "--log-level", "debug")) {
            for (int i = 0; i < 20; i++) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", node.grpcPort())) {
                    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n not http/2 at all".getBytes());
                    s.getInputStream().read(new byte[256]); // whatever the server answers, until it closes
                } catch (java.io.IOException closed) {
                    // the server may reset it
                }
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", node.port())) {
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
                s.getInputStream().readAllBytes(); // the node is still serving
            }
            for (String line : node.output()) {
                assertThat(line).as("a line outside the JSON logs").startsWith("{");
                json.readTree(line);
            }
        }
    }
}
