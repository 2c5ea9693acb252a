package dev.switchboard.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.NodeScript;

/** What every browser scenario's result must show, whatever the dialect. */
final class BrowserRun {
    private BrowserRun() {
    }

    /** The scenario's JSON result, once it is sure the scenario ran to its end and said so. */
    static JsonNode succeeded(NodeScript.Result r) {
        assertThat(r.exitCode()).as(r.describe()).isZero();
        JsonNode json = r.json();
        assertThat(json.get("ok").asBoolean()).as(r.describe()).isTrue();
        return json;
    }

    /** The selected candidate pair of a peer connection succeeded, on loopback. */
    static void assertLoopbackPair(JsonNode stats, String as) {
        assertThat(stats.get("pairState").asText()).as(as).isEqualTo("succeeded");
        // Chromium may leave a peer-reflexive candidate's address blank; any address it shows is loopback
        // (the browsers run in a network namespace that has nothing else)
        assertThat(stats.get("local").asText() + stats.get("remote").asText()).as(as).contains("127.0.0.1");
        assertThat(stats.get("local").asText()).as(as).isIn("127.0.0.1", "");
        assertThat(stats.get("remote").asText()).as(as).isIn("127.0.0.1", "");
    }
}
