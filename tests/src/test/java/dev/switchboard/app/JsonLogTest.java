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
}
