package dev.switchboard.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.TestCa;
import dev.switchboard.testkit.TestNodes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract checked outside Java: a worker and a client in Node (@grpc/grpc-js) built from the project's
 * .proto negotiate through the server, in plaintext and over TLS. See src/test/grpc-node/negotiate.mjs.
 */
class GrpcNodeClientTest {
    @Test
    void aNodeWorkerAndClientNegotiateThroughTheServer() {
        try (Switchboard node = TestNodes.start()) {
            NodeScript.Result r = NodeScript.run("src/test/grpc-node", "negotiate.mjs", 60,
                    "--port", Integer.toString(node.grpcPort()));
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.json().get("ok").asBoolean()).isTrue();
            assertThat(r.json().get("steps")).hasSize(6);
        }
    }

    @Test
    void theSameOverTlsTrustingTheNodesCa(@TempDir Path dir) {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued cert = ca.issueServer("node");
        try (Switchboard node = TestNodes.start(TestNodes.config()
                .tls(cert.certFile().toString(), cert.keyFile().toString()).build())) {
            NodeScript.Result r = NodeScript.run("src/test/grpc-node", "negotiate.mjs", 60,
                    "--port", Integer.toString(node.grpcPort()), "--ca", ca.certFile().toString());
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.json().get("steps")).hasSize(6);
            // and a plaintext client gets nowhere on the TLS port
            NodeScript.Result plain = NodeScript.run("src/test/grpc-node", "negotiate.mjs", 60,
                    "--port", Integer.toString(node.grpcPort()));
            assertThat(plain.exitCode()).as(plain.describe()).isNotZero();
        }
    }
}
