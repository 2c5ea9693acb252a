package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An exclusive id that another node took while its holder's node was cut off from the cluster (here: frozen
 * past the failure timeout, so the survivor reaps it): when the node comes back its member is evicted, and the
 * connection must be told and ended as a refused login or registration is, not left open and unlisted.
 */
class TakenWhileCutOffTest {
    private RedisServer redis;
    private Switchboard survivor;
    private NodeProcess frozen;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        survivor = TestNodes.start(TestNodes.config().nodeId("survivor").redisUri(redis.uri())
                .heartbeatInterval(Duration.ofMillis(200)).failureTimeout(Duration.ofSeconds(2)).build());
        frozen = NodeProcess.start("--node-id", "frozen", "--redis", redis.uri(),
                "--heartbeat-interval", "200ms", "--failure-timeout", "2s");
    }

    @AfterEach
    void stop() {
        frozen.close();
        survivor.close();
        redis.close();
    }

    /**
     * Freezes the node until the survivor has removed {@code memberId} from {@code membersKey}, returns what
     * {@code meanwhile} returns, and wakes the node.
     */
    private <T> T cutOff(String membersKey, String memberId, Callable<T> meanwhile) throws Exception {
        await().until(() -> redis.command("HEXISTS", membersKey, memberId).equals(":1\r\n"));
        frozen.pause();
        try {
            await().until(() -> redis.command("HEXISTS", membersKey, memberId).equals(":0\r\n"));
            return meanwhile.call();
        } finally {
            frozen.resume();
        }
    }

    private static WsClient login(int port, String name) {
        WsClient c = WsClient.connect(port, "/");
        c.send("{\"type\":\"login\",\"name\":\"" + name + "\"}");
        assertThat(c.next()).startsWith("{\"type\":\"login_success\",\"id\":\"" + name + "\"");
        return c;
    }

    private static void awaitMessage(WsClient c, Predicate<String> wanted) {
        await().until(() -> {
            WsClient.Message m = c.poll(Duration.ofMillis(100));
            return m != null && wanted.test(m.text());
        });
    }

    @Test
    void aNamedPeerWhoseNameWasTakenIsToldAndClosed() throws Exception {
        try (WsClient first = login(frozen.port(), "alice");
             WsClient taker = cutOff("switchboard:m:{named-peer:peers}", "alice", () -> login(survivor.port(), "alice"))) {
            // it may first hear of the other alice; what matters is how it ends
            awaitMessage(first, "{\"type\":\"error\",\"error\":\"name_taken\"}"::equals);
            assertThat(first.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(4000);
            // the name stays with the one who took it
            assertThat(redis.command("HGET", "switchboard:m:{named-peer:peers}", "alice")).contains("survivor");
            taker.send("{\"type\":\"ping\"}");
            awaitMessage(taker, m -> m.startsWith("{\"type\":\"pong\""));
        }
    }

    /** Registers worker {@code id} over {@code channel}; returns once the node answers its PING. */
    private static StreamObserver<WorkerRtcMessage> worker(ManagedChannel channel, long id, GrpcSide<WorkerRtcMessage> side)
            throws InterruptedException {
        StreamObserver<WorkerRtcMessage> out = WorkerServiceGrpc.newStub(channel).negotiatePeerConnection(side);
        out.onNext(ping(id));
        assertThat(side.next().getEvent()).isEqualTo(RtcEvent.PING);
        return out;
    }

    private static WorkerRtcMessage ping(long id) {
        return WorkerRtcMessage.newBuilder().setWorkerMachineId(id).setEvent(RtcEvent.PING).build();
    }

    @Test
    void aWorkerWhoseIdWasTakenEndsWithAlreadyExists() throws Exception {
        ManagedChannel toFrozen = NettyChannelBuilder.forAddress("127.0.0.1", frozen.grpcPort()).usePlaintext().build();
        ManagedChannel toSurvivor = NettyChannelBuilder.forAddress("127.0.0.1", survivor.grpcPort()).usePlaintext().build();
        try {
            GrpcSide<WorkerRtcMessage> first = new GrpcSide<>();
            worker(toFrozen, 99, first);
            GrpcSide<WorkerRtcMessage> second = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> taker = cutOff("switchboard:m:{grpc:99}", "worker",
                    () -> worker(toSurvivor, 99, second));
            Status status = first.ended.get(10, TimeUnit.SECONDS);
            assertThat(status.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
            assertThat(status.getDescription()).contains("taken by another node");
            // the id stays with the worker that took it
            assertThat(redis.command("HGET", "switchboard:m:{grpc:99}", "worker")).contains("survivor");
            taker.onNext(ping(99));
            assertThat(second.next().getEvent()).isEqualTo(RtcEvent.PING);
            assertThat(second.ended).isNotDone();
        } finally {
            toFrozen.shutdownNow();
            toSurvivor.shutdownNow();
        }
    }
}
