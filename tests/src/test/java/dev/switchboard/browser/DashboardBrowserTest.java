package dev.switchboard.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.dialect.rendezvous.TestKeys;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.support.NodeScript;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node's /dashboard in headless Chromium: after clients of each dialect connect (for gRPC, a worker's stream)
 * and two named-peer clients negotiate, the page shows those numbers, read from its DOM. The screenshot is kept
 * as target/dashboard.png.
 */
class DashboardBrowserTest {
    private static final String RADIX_ID = "de0ced0c3e25f3d8b3a4e0c9b0d6f1a2b3c4d5e6f708192a3b4c5d6e7f809102";
    private final ObjectMapper json = new ObjectMapper();
    private final List<WsClient> clients = new ArrayList<>();
    private Switchboard node;
    private ManagedChannel grpc;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.config().nodeId("dash-node").build());
    }

    @AfterEach
    void stop() throws InterruptedException {
        clients.forEach(WsClient::close);
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        node.close();
    }

    private WsClient connect(String path) {
        WsClient c = WsClient.connect(node.port(), path);
        clients.add(c);
        return c;
    }

    @Test
    void showsConnectionsAndNegotiationsPerDialect() throws Exception {
        for (int i = 0; i < 3; i++) {
            WsClient y = connect("/");
            y.send("{\"type\":\"subscribe\",\"topics\":[\"doc\"]}");
            y.send("{\"type\":\"ping\"}");
            y.next();
        }
        WsClient a = connect("/");
        a.send("{\"type\":\"login\",\"name\":\"a\"}");
        a.next();
        WsClient b = connect("/");
        b.send("{\"type\":\"login\",\"name\":\"b\"}");
        b.next();
        a.send("{\"type\":\"offer\",\"target\":\"b\",\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
        b.next();
        b.send("{\"type\":\"answer\",\"target\":\"a\",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}");
        a.next();
        WsClient r = connect("/room/lobby/websocket");
        TestKeys keys = TestKeys.create("P-256");
        r.send(keys.register(json.readTree(r.next()).get("nonce").asText()));
        r.next();
        connect("/" + RADIX_ID + "?target=wallet&source=extension");
        connect("/" + RADIX_ID + "?target=extension&source=wallet").next();
        assertThat(connect("/peerjs?key=peerjs&id=dash-peer&token=t").next()).contains("\"OPEN\"");
        grpc = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
        GrpcSide<WorkerRtcMessage> worker = new GrpcSide<>();
        WorkerServiceGrpc.newStub(grpc).negotiatePeerConnection(worker)
                .onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(7).setEvent(RtcEvent.PING).build());
        worker.next(); // registered
        await().atMost(Duration.ofSeconds(10)).until(() -> node.clientCount() == 10);

        Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        NodeScript.Result result = NodeScript.run("src/test/browser", "run.mjs", 360, "dashboard",
                "--port", Integer.toString(node.port()), "--screenshot", screenshot.toString());
        assertThat(result.exitCode()).as(result.describe()).isZero();
        JsonNode out = result.json();
        assertThat(out.get("foreign")).as("requests outside the node").isEmpty();
        JsonNode shown = out.get("shown");
        JsonNode dialects = shown.get("dialects");
        assertThat(dialects.get("y-webrtc").get("connections").asText()).isEqualTo("3");
        assertThat(dialects.get("named-peer").get("connections").asText()).isEqualTo("2");
        assertThat(dialects.get("rendezvous").get("connections").asText()).isEqualTo("1");
        assertThat(dialects.get("radix").get("connections").asText()).isEqualTo("2");
        assertThat(dialects.get("peerjs").get("connections").asText()).isEqualTo("1");
        assertThat(dialects.get("grpc").get("connections").asText()).isEqualTo("1");
        assertThat(dialects.get("y-webrtc").get("rooms").asText()).isEqualTo("1");
        assertThat(dialects.get("radix").get("rooms").asText()).isEqualTo("1");
        JsonNode negotiation = shown.get("negotiations").get("named-peer");
        assertThat(negotiation.get("started").asText()).isEqualTo("1");
        assertThat(negotiation.get("completed").asText()).isEqualTo("1");
        assertThat(negotiation.get("answer").asText()).endsWith("s"); // a time, in µs or ms
        JsonNode self = shown.get("nodes").get("dash-node");
        assertThat(self.get("status").asText()).isEqualTo("healthy");
        assertThat(self.get("clients").asText()).isEqualTo("10");
        assertThat(shown.get("scrollWidth").asInt()).as("fits a 1366 px wide window")
                .isLessThanOrEqualTo(shown.get("clientWidth").asInt());
        assertThat(screenshot).exists();
        assertThat(Files.size(screenshot)).isPositive();
    }
}
