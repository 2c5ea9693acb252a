package dev.switchboard.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.TestNodes;
import org.junit.jupiter.api.Test;

/**
 * The contract checked outside Java: a worker and a client in Node (@grpc/grpc-js) built from the project's
 * .proto negotiate through the server. See src/test/grpc-node/negotiate.mjs.
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
}
