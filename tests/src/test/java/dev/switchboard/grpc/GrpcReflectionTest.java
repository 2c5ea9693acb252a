package dev.switchboard.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.Switchboard;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.TestNodes;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --grpc-reflection}: what a reflection client such as grpcurl finds, with it on (the default) and off. */
class GrpcReflectionTest {

    @Test
    void withReflectionOnTheTwoServicesAreListedUnderTheirPackagedNames() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            GrpcSide<ServerReflectionResponse> side = listServices(node);
            List<String> services = side.received.take().getListServicesResponse().getServiceList().stream()
                    .map(ServiceResponse::getName).toList();
            // the package-less aliases have no descriptor to offer, so reflection leaves them out
            assertThat(services).containsExactlyInAnyOrder("switchboard.rtc.v1.ClientService",
                    "switchboard.rtc.v1.WorkerService", "grpc.reflection.v1.ServerReflection");
            assertThat(side.ended.get().getCode()).isEqualTo(Status.Code.OK);
        }
    }

    @Test
    void withReflectionOffTheServiceIsAbsent() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().grpcReflection(false).build())) {
            GrpcSide<ServerReflectionResponse> side = listServices(node);
            assertThat(side.ended.get().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(side.received).isEmpty();
        }
    }

    /** Asks for the list of services on one reflection stream, then half-closes it, as grpcurl's list does. */
    private static GrpcSide<ServerReflectionResponse> listServices(Switchboard node) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
        GrpcSide<ServerReflectionResponse> side = new GrpcSide<>();
        side.ended.whenComplete((status, e) -> channel.shutdownNow());
        StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(side);
        out.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        out.onCompleted();
        return side;
    }
}
