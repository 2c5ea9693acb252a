package dev.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.support.Tokens;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.RawUpgrade;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens on gRPC calls: the authorization metadata, UNAUTHENTICATED, expiry; other dialects' modes apart. */
class GrpcTokenTest {
    private static final String SECRET = Tokens.HMAC_SECRET;

    private static String token(long expiresIn) throws Exception {
        return new Tokens().secret(SECRET).token("t", "HS256", null,
                Map.of("sub", "worker-7", "exp", Tokens.in(expiresIn))).make().token("t");
    }

    private static WorkerRtcMessage w(long id, RtcEvent e) {
        return WorkerRtcMessage.newBuilder().setWorkerMachineId(id).setEvent(e).setMessage(ByteString.EMPTY).build();
    }

    private static WorkerServiceGrpc.WorkerServiceStub stub(ManagedChannel channel, String token) {
        WorkerServiceGrpc.WorkerServiceStub stub = WorkerServiceGrpc.newStub(channel);
        if (token == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Test
    void aCallWithoutAValidTokenIsUnauthenticatedAndOneWithItWorksUntilItExpires(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), SECRET);
        try (Switchboard node = TestNodes.start(TestNodes.config().auth("off,grpc=required")
                .authHmacSecretFile(secret.toString()).authClockSkew(Duration.ZERO).build())) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            try {
                GrpcSide<WorkerRtcMessage> anonymous = new GrpcSide<>();
                stub(channel, null).negotiatePeerConnection(anonymous).onNext(w(7, RtcEvent.BLANK));
                Status refused = anonymous.status();
                assertThat(refused.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(refused.getDescription()).isEqualTo("token required");

                GrpcSide<WorkerRtcMessage> bad = new GrpcSide<>();
                stub(channel, "not.a.token").negotiatePeerConnection(bad).onNext(w(7, RtcEvent.BLANK));
                assertThat(bad.status().getDescription()).isEqualTo("invalid token: malformed");

                // a token of a few seconds works until it expires; on a starved machine the call can take longer
                // than the token lives, and ends expired before its first answer: then again with a longer one
                GrpcSide<WorkerRtcMessage> worker = null;
                for (long life = 3; worker == null; life *= 3) {
                    GrpcSide<WorkerRtcMessage> attempt = new GrpcSide<>();
                    StreamObserver<WorkerRtcMessage> out = stub(channel, token(life)).negotiatePeerConnection(attempt);
                    out.onNext(w(7, RtcEvent.BLANK));
                    out.onNext(w(7, RtcEvent.PING));
                    WorkerRtcMessage first = attempt.received.poll(life, TimeUnit.SECONDS);
                    if (first != null) {
                        assertThat(first.getEvent()).isEqualTo(RtcEvent.PING);
                        worker = attempt;
                    } else {
                        assertThat(life).as("a token that never lived long enough").isLessThan(81);
                        assertThat(attempt.status().getDescription()).isIn("token expired", "invalid token: expired");
                    }
                }
                Status expired = worker.ended.get(60, TimeUnit.SECONDS);
                assertThat(expired.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(expired.getDescription()).isEqualTo("token expired");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            // the WebSocket dialects are off
            try (RawUpgrade ws = RawUpgrade.open(node.port(), "/")) {
                assertThat(ws.statusLine()).contains(" 101 ");
            }
        }
    }
}
