package dev.switchboard.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.grpc.proto.ClientRtcMessage;
import dev.switchboard.grpc.proto.ClientServiceGrpc;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.TestNodes;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How gRPC streams end: a client's deadline, and the node's graceful shutdown. */
class GrpcLifecycleTest {
    private Switchboard node;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.config().drainTimeout(Duration.ofSeconds(3)).build());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        node.close();
    }

    private StreamObserver<WorkerRtcMessage> worker(long id, GrpcSide<WorkerRtcMessage> side) throws Exception {
        StreamObserver<WorkerRtcMessage> out = WorkerServiceGrpc.newStub(channel).negotiatePeerConnection(side);
        out.onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(id).setEvent(RtcEvent.PING).build());
        assertThat(side.next().getEvent()).isEqualTo(RtcEvent.PING);
        return out;
    }

    private static ClientRtcMessage offer(long workerId) {
        return ClientRtcMessage.newBuilder().setWorkerMachineId(workerId).setEvent(RtcEvent.OFFER)
                .setMessage(ByteString.copyFromUtf8("v=0")).build();
    }

    @Test
    void aClientsDeadlineEndsItsStreamAndItsWorkerHearsOfIt() throws Exception {
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        worker(7, ws);
        GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
        StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel)
                .withDeadlineAfter(700, TimeUnit.MILLISECONDS).negotiatePeerConnection(cs);
        client.onNext(offer(7));
        String clientId = ws.next().getClientId();
        assertThat(cs.ended.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        WorkerRtcMessage gone = ws.next(); // the server saw the call cancelled and released the client
        assertThat(gone.getEvent()).isEqualTo(RtcEvent.BLANK);
        assertThat(gone.getClientId()).isEqualTo(clientId);
    }

    @Test
    void gracefulShutdownEndsEveryStreamWithUnavailable() throws Exception {
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        worker(8, ws);
        GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
        ClientServiceGrpc.newStub(channel).negotiatePeerConnection(cs).onNext(offer(8));
        ws.next();
        long t0 = System.nanoTime();
        node.close();
        assertThat(ws.ended.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(cs.ended.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4)); // within the drain time
    }
}
