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

    @Test
    void oneConnectionRegistersAtMostItsWorkersAndTheNodeHoldsAtMostItsStreams() throws Exception {
        var config = TestNodes.config().set(dev.switchboard.config.NodeOptions.GRPC_MAX_WORKERS_PER_CONNECTION, 2)
                .set(dev.switchboard.config.NodeOptions.GRPC_MAX_STREAMS_NODE, 4).build();
        try (Switchboard node = TestNodes.start(config)) {
            ManagedChannel one = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            ManagedChannel other = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            try {
                GrpcSide<WorkerRtcMessage> a = new GrpcSide<>();
                GrpcSide<WorkerRtcMessage> b = new GrpcSide<>();
                StreamObserver<WorkerRtcMessage> first = worker(one, 601, a);
                worker(one, 602, b);
                assertThat(a.next().getEvent()).isEqualTo(RtcEvent.PING);
                assertThat(b.next().getEvent()).isEqualTo(RtcEvent.PING);
                GrpcSide<WorkerRtcMessage> third = new GrpcSide<>();
                worker(one, 603, third);
                io.grpc.Status refused = third.status();
                assertThat(refused.getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
                assertThat(refused.getDescription()).isEqualTo("more than 2 workers on one connection");

                GrpcSide<WorkerRtcMessage> c = new GrpcSide<>();
                GrpcSide<WorkerRtcMessage> d = new GrpcSide<>();
                worker(other, 604, c);
                worker(other, 605, d);
                assertThat(c.next().getEvent()).as("another connection has its own count").isEqualTo(RtcEvent.PING);
                assertThat(d.next().getEvent()).isEqualTo(RtcEvent.PING);
                GrpcSide<WorkerRtcMessage> fifth = new GrpcSide<>();
                worker(other, 606, fifth);
                io.grpc.Status full = fifth.status();
                assertThat(full.getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
                assertThat(full.getDescription()).isEqualTo("node at its stream limit (4)");

                first.onCompleted();
                org.awaitility.Awaitility.await().untilAsserted(() -> {
                    GrpcSide<WorkerRtcMessage> again = new GrpcSide<>();
                    worker(one, 607, again);
                    assertThat(again.next().getEvent()).as("a place given back").isEqualTo(RtcEvent.PING);
                });
            } finally {
                one.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
