package dev.switchboard.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.TestNodes;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One connection cannot open gRPC streams without bound (--grpc-max-streams-per-connection). */
class GrpcStreamLimitTest {
    private static WorkerRtcMessage w(long id, RtcEvent e) {
        return WorkerRtcMessage.newBuilder().setWorkerMachineId(id).setEvent(e).setMessage(ByteString.EMPTY).build();
    }

    private static StreamObserver<WorkerRtcMessage> worker(ManagedChannel channel, long id, GrpcSide<WorkerRtcMessage> side) {
        StreamObserver<WorkerRtcMessage> out = WorkerServiceGrpc.newStub(channel).negotiatePeerConnection(side);
        out.onNext(w(id, RtcEvent.BLANK));
        out.onNext(w(id, RtcEvent.PING));
        return out;
    }

    @Test
    void aStreamBeyondTheLimitWaitsUntilAnotherOfItsConnectionEnds() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().grpcMaxStreamsPerConnection(2).build())) {
            ManagedChannel one = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            ManagedChannel other = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            try {
                GrpcSide<WorkerRtcMessage> a = new GrpcSide<>();
                GrpcSide<WorkerRtcMessage> b = new GrpcSide<>();
                StreamObserver<WorkerRtcMessage> first = worker(one, 501, a);
                worker(one, 502, b);
                assertThat(a.next().getEvent()).isEqualTo(RtcEvent.PING);
                assertThat(b.next().getEvent()).isEqualTo(RtcEvent.PING);

                GrpcSide<WorkerRtcMessage> third = new GrpcSide<>();
                worker(one, 503, third);
                assertThat(third.received.poll(500, TimeUnit.MILLISECONDS)).as("a third stream on the connection").isNull();
                GrpcSide<WorkerRtcMessage> elsewhere = new GrpcSide<>();
                worker(other, 504, elsewhere);
                assertThat(elsewhere.next().getEvent()).as("another connection is not held up").isEqualTo(RtcEvent.PING);

                first.onCompleted();
                assertThat(third.next().getEvent()).as("once a stream of the connection ends").isEqualTo(RtcEvent.PING);
            } finally {
                one.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
