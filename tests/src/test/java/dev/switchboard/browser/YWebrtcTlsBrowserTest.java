package dev.switchboard.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.TestCa;
import dev.switchboard.testkit.TestNodes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real y-webrtc client in headless Chromium over wss://: the node serves a certificate from a test CA, and
 * Chromium trusts exactly that certificate's key through its SPKI flag ({@code --ignore-certificate-errors-spki-list});
 * certificate checks stay on for everything else. Two browsers sync a Y.Doc over WebRTC signaled through TLS.
 */
class YWebrtcTlsBrowserTest {
    @Test
    void twoBrowsersSyncOverWss(@TempDir Path dir) {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued cert = ca.issueServer("node");
        try (Switchboard node = TestNodes.start(TestNodes.config().host("127.0.0.1")
                .tls(cert.certFile().toString(), cert.keyFile().toString()).build())) {
            NodeScript.Result r = NodeScript.run("src/test/browser", "run.mjs", 360, "ywebrtc",
                    "--port", Integer.toString(node.port()), "--tls-spki", cert.spkiSha256());
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.json().get("text").asText()).isEqualTo("hello from A / hello from B");
            // the signaling went through this node's TLS port
            assertThat(node.metrics().scrape())
                    .containsPattern("switchboard_tls_handshakes_total\\{result=\"ok\"\\} [1-9]")
                    .containsPattern("switchboard_messages_received_total\\{dialect=\"y-webrtc\"\\} [1-9]");
        }
    }

    @Test
    void withoutTheSpkiFlagChromiumRefusesTheTestCertificate(@TempDir Path dir) {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued cert = ca.issueServer("node");
        TestCa.Issued other = ca.issueServer("other");
        try (Switchboard node = TestNodes.start(TestNodes.config().host("127.0.0.1")
                .tls(cert.certFile().toString(), cert.keyFile().toString()).build())) {
            // the flag names another key: the node's certificate is not trusted, the socket never opens
            NodeScript.Result r = NodeScript.run("src/test/browser", "run.mjs", 360, "ywebrtc",
                    "--port", Integer.toString(node.port()), "--tls-spki", other.spkiSha256(), "--expect-refused", "1");
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.json().get("refused").asBoolean()).as(r.describe()).isTrue();
            assertThat(node.metrics().scrape()).contains("switchboard_tls_handshakes_total{result=\"failed\"}");
        }
    }
}
