package dev.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.grpc.proto.ClientRtcMessage;
import dev.switchboard.grpc.proto.ClientServiceGrpc;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.support.Tokens;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each dialect refuses, in its own words, what a token's grants do not cover; other connections go on. */
class GrantsEnforcementTest {
    private static final String SECRET = Tokens.HMAC_SECRET;
    private static final Duration QUIET = Duration.ofMillis(300);
    private static Tokens.Made tokens;
    private static Switchboard node;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> grants = Map.of("rooms", List.of("team-*", "ab".repeat(32)), "names", List.of("alice"),
                "workers", List.of("4*"), "reach", List.of("42"));
        tokens = new Tokens().secret(SECRET)
                .token("limited", "HS256", null, Map.of("sub", "limited", "exp", Tokens.in(3600), "switchboard", grants))
                .token("free", "HS256", null, Map.of("sub", "free", "exp", Tokens.in(3600)))
                .make();
        Path secret = Files.writeString(dir.resolve("secret"), SECRET);
        node = TestNodes.start(TestNodes.config().auth("required").authHmacSecretFile(secret.toString()).build());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static WsClient connect(String path, String token) {
        return WsClient.connect(node.port(), path + (path.contains("?") ? "&" : "?") + "token=" + tokens.token(token));
    }

    private static void settled(WsClient c) {
        c.send("{\"type\":\"ping\"}");
        assertThat(c.next()).isEqualTo("{\"type\":\"pong\"}");
    }

    @Test
    void yWebrtcJoinsAndRelaysOnlyGrantedTopics() {
        try (WsClient limited = connect("/", "limited"); WsClient free = connect("/", "free")) {
            limited.send("{\"type\":\"subscribe\",\"topics\":[\"team-a\",\"lobby\"]}");
            free.send("{\"type\":\"subscribe\",\"topics\":[\"team-a\",\"lobby\"]}");
            settled(limited);
            settled(free);
            free.send("{\"type\":\"publish\",\"topic\":\"lobby\",\"n\":1}");
            assertThat(free.next()).as("free hears its own publish, alone").contains("\"n\":1,\"clients\":1");
            free.send("{\"type\":\"publish\",\"topic\":\"team-a\",\"n\":2}");
            assertThat(limited.next()).contains("\"n\":2,\"clients\":2");
            limited.send("{\"type\":\"publish\",\"topic\":\"lobby\",\"n\":3}");
            limited.send("{\"type\":\"publish\",\"topic\":\"team-a\",\"n\":4}");
            assertThat(free.next()).contains("\"n\":2");
            assertThat(free.next()).as("the lobby publish was not relayed").contains("\"n\":4");
            assertThat(limited.next()).contains("\"n\":4");
            assertThat(limited.poll(QUIET)).isNull();
            assertThat(Http.get(node.port(), "/metrics").body())
                    .contains("switchboard_refused_total{dialect=\"y-webrtc\",reason=\"not_granted\"} 2.0");
        }
    }

    @Test
    void namedPeerRefusesANameNotGrantedWithAnErrorAnd4003() {
        try (WsClient bob = connect("/", "limited"); WsClient alice = connect("/", "limited")) {
            bob.send("{\"type\":\"login\",\"name\":\"bob\"}");
            assertThat(bob.next()).isEqualTo("{\"type\":\"error\",\"error\":\"name_not_granted\"}");
            assertThat(bob.awaitClose(Duration.ofSeconds(10))).isEqualTo(new WsClient.CloseStatus(4003,
                    "Client name not granted"));
            alice.send("{\"type\":\"login\",\"name\":\"alice\"}");
            assertThat(alice.next()).startsWith("{\"type\":\"login_success\",\"id\":\"alice\"");
        }
    }

    @Test
    void rendezvousRefusesARoomNotGrantedWithAnErrorAnd1008() {
        try (WsClient refused = connect("/room/lobby/websocket", "limited");
             WsClient allowed = connect("/room/team-x/websocket", "limited")) {
            assertThat(refused.next()).isEqualTo("{\"type\":\"error\",\"message\":\"room not granted\"}");
            assertThat(refused.awaitClose(Duration.ofSeconds(10))).isEqualTo(new WsClient.CloseStatus(1008,
                    "room not granted"));
            assertThat(allowed.isOpen()).isTrue();
        }
    }

    @Test
    void radixRefusesAConnectionIdNotGrantedWith1008() {
        try (WsClient refused = connect("/" + "cd".repeat(32) + "?target=wallet&source=extension", "limited");
             WsClient allowed = connect("/" + "ab".repeat(32) + "?target=wallet&source=extension", "limited")) {
            assertThat(refused.awaitClose(Duration.ofSeconds(10))).isEqualTo(new WsClient.CloseStatus(1008,
                    "connectionId not granted"));
            assertThat(allowed.isOpen()).isTrue();
        }
    }

    @Test
    void grpcRefusesWorkerIdsNotGrantedWithPermissionDenied() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + tokens.token("limited"));
            var attach = MetadataUtils.newAttachHeadersInterceptor(headers);
            GrpcSide<WorkerRtcMessage> seven = new GrpcSide<>();
            WorkerServiceGrpc.newStub(channel).withInterceptors(attach).negotiatePeerConnection(seven)
                    .onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(7).setEvent(RtcEvent.BLANK).build());
            Status denied = seven.status();
            assertThat(denied.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(denied.getDescription()).isEqualTo("worker 7 not granted");

            GrpcSide<WorkerRtcMessage> fortyTwo = new GrpcSide<>();
            var worker = WorkerServiceGrpc.newStub(channel).withInterceptors(attach).negotiatePeerConnection(fortyTwo);
            worker.onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(42).setEvent(RtcEvent.PING).build());
            assertThat(fortyTwo.next().getEvent()).isEqualTo(RtcEvent.PING);
            GrpcSide<WorkerRtcMessage> fortyThree = new GrpcSide<>();
            WorkerServiceGrpc.newStub(channel).withInterceptors(attach).negotiatePeerConnection(fortyThree)
                    .onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(43).setEvent(RtcEvent.PING).build());
            assertThat(fortyThree.next().getEvent()).isEqualTo(RtcEvent.PING);

            GrpcSide<ClientRtcMessage> reaching43 = new GrpcSide<>();
            ClientServiceGrpc.newStub(channel).withInterceptors(attach).negotiatePeerConnection(reaching43)
                    .onNext(ClientRtcMessage.newBuilder().setWorkerMachineId(43).setEvent(RtcEvent.OFFER)
                            .setMessage(ByteString.copyFromUtf8("offer")).build());
            assertThat(reaching43.status().getDescription()).isEqualTo("worker 43 not granted");
            assertThat(reaching43.status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

            GrpcSide<ClientRtcMessage> reaching42 = new GrpcSide<>();
            ClientServiceGrpc.newStub(channel).withInterceptors(attach).negotiatePeerConnection(reaching42)
                    .onNext(ClientRtcMessage.newBuilder().setWorkerMachineId(42).setEvent(RtcEvent.OFFER)
                            .setMessage(ByteString.copyFromUtf8("offer")).build());
            assertThat(fortyTwo.next().getMessage().toStringUtf8()).isEqualTo("offer");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
