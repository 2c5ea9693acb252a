package dev.switchboard.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.grpc.proto.ClientRtcMessage;
import dev.switchboard.grpc.proto.ClientServiceGrpc;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client/worker negotiation of docs/protocols/grpc-client-worker.md with grpc-java clients and workers over
 * real channels.
 */
class GrpcRelayTest {
    private Switchboard node;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void start() {
        // the default idle timeout (a minute): a test whose streams wait on a slow machine is not cut short;
        // aSilentStreamIsClosed starts its own node with a short one
        node = TestNodes.start(TestNodes.config().build());
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        node.close();
    }

    private ManagedChannel channel(Switchboard at) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", at.grpcPort()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    /** A client that asks for no message at all until told: HTTP/2 flow control stops the server's writes. */
    static final class StalledSide extends GrpcSide<ClientRtcMessage>
            implements ClientResponseObserver<ClientRtcMessage, ClientRtcMessage> {
        volatile ClientCallStreamObserver<ClientRtcMessage> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<ClientRtcMessage> call) {
            call.disableAutoRequestWithInitial(0);
            this.call = call;
        }
    }

    private static WorkerRtcMessage w(long id, RtcEvent e, String clientId, String body) {
        return WorkerRtcMessage.newBuilder().setWorkerMachineId(id).setEvent(e).setClientId(clientId)
                .setMessage(ByteString.copyFromUtf8(body)).build();
    }

    private static ClientRtcMessage c(long id, RtcEvent e, String body) {
        return ClientRtcMessage.newBuilder().setWorkerMachineId(id).setEvent(e).setMessage(ByteString.copyFromUtf8(body)).build();
    }

    private StreamObserver<WorkerRtcMessage> worker(Switchboard at, long id, GrpcSide<WorkerRtcMessage> side) throws Exception {
        StreamObserver<WorkerRtcMessage> out = WorkerServiceGrpc.newStub(channel(at)).negotiatePeerConnection(side);
        out.onNext(w(id, RtcEvent.BLANK, "", ""));
        out.onNext(w(id, RtcEvent.PING, "", ""));
        assertThat(side.next().getEvent()).isEqualTo(RtcEvent.PING); // registered and answering
        return out;
    }

    @Test
    void fullOfferAnswerIceExchange() throws Exception {
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        StreamObserver<WorkerRtcMessage> worker = worker(node, 42, ws);
        GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
        StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node)).negotiatePeerConnection(cs);
        client.onNext(c(42, RtcEvent.OFFER, "v=0 offer"));
        WorkerRtcMessage offer = ws.next();
        assertThat(offer.getEvent()).isEqualTo(RtcEvent.OFFER);
        assertThat(offer.getMessage().toStringUtf8()).isEqualTo("v=0 offer");
        assertThat(offer.getWorkerMachineId()).isEqualTo(42);
        String clientId = offer.getClientId();
        assertThat(clientId).isNotEmpty();
        worker.onNext(w(42, RtcEvent.ANSWER, clientId, "v=0 answer"));
        ClientRtcMessage answer = cs.next();
        assertThat(answer.getEvent()).isEqualTo(RtcEvent.ANSWER);
        assertThat(answer.getMessage().toStringUtf8()).isEqualTo("v=0 answer");
        assertThat(answer.getClientId()).isEqualTo(clientId);
        client.onNext(c(42, RtcEvent.ACCEPT_ANSWER, ""));
        assertThat(ws.next().getEvent()).isEqualTo(RtcEvent.ACCEPT_ANSWER);
        client.onNext(c(42, RtcEvent.LOCAL_ICE_CANDIDATE, "candidate:1"));
        assertThat(ws.next().getMessage().toStringUtf8()).isEqualTo("candidate:1");
        worker.onNext(w(42, RtcEvent.ICE_CANDIDATE, clientId, "candidate:2"));
        assertThat(cs.next().getMessage().toStringUtf8()).isEqualTo("candidate:2");
        client.onNext(c(42, RtcEvent.PING, ""));
        assertThat(cs.next().getEvent()).isEqualTo(RtcEvent.PING);
        client.onCompleted();
        WorkerRtcMessage gone = ws.next(); // the worker hears the client is gone
        assertThat(gone.getEvent()).isEqualTo(RtcEvent.BLANK);
        assertThat(gone.getClientId()).isEqualTo(clientId);
        worker.onCompleted();
    }

    /** The bidirectional method of {@code service} as a stub generated without a proto package calls it. */
    private static <T extends com.google.protobuf.Message> MethodDescriptor<T, T> packageless(String service, T type) {
        return MethodDescriptor.<T, T>newBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "NegotiatePeerConnection"))
                .setRequestMarshaller(ProtoUtils.marshaller(type)).setResponseMarshaller(ProtoUtils.marshaller(type))
                .build();
    }

    @Test
    void seedStubsWithoutAPackageReachTheSameServices() throws Exception {
        // the original sketch's proto has no package: its stubs call /WorkerService/..., ours
        // /switchboard.rtc.v1.WorkerService/... (docs/protocols/grpc-client-worker.md#differences-from-upstream)
        ManagedChannel ch = channel(node);
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        StreamObserver<WorkerRtcMessage> worker = ClientCalls.asyncBidiStreamingCall(
                ch.newCall(packageless("WorkerService", WorkerRtcMessage.getDefaultInstance()), CallOptions.DEFAULT), ws);
        worker.onNext(w(31, RtcEvent.BLANK, "", ""));
        worker.onNext(w(31, RtcEvent.PING, "", ""));
        assertThat(ws.next().getEvent()).isEqualTo(RtcEvent.PING);
        GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
        StreamObserver<ClientRtcMessage> client = ClientCalls.asyncBidiStreamingCall(
                ch.newCall(packageless("ClientService", ClientRtcMessage.getDefaultInstance()), CallOptions.DEFAULT), cs);
        client.onNext(c(31, RtcEvent.OFFER, "v=0 offer"));
        assertThat(ws.next().getMessage().toStringUtf8()).isEqualTo("v=0 offer");
        // one registry behind both names: the packaged name sees the worker registered through the other
        GrpcSide<WorkerRtcMessage> dup = new GrpcSide<>();
        WorkerServiceGrpc.newStub(ch).negotiatePeerConnection(dup).onNext(w(31, RtcEvent.BLANK, "", ""));
        assertThat(dup.status().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        client.onCompleted();
        worker.onCompleted();
    }

    @Test
    void manyClientsToOneWorkerEachGetTheirOwnAnswers() throws Exception {
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        StreamObserver<WorkerRtcMessage> worker = worker(node, 7, ws);
        List<GrpcSide<ClientRtcMessage>> sides = new ArrayList<>();
        List<StreamObserver<ClientRtcMessage>> clients = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            GrpcSide<ClientRtcMessage> side = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> out = ClientServiceGrpc.newStub(channel(node)).negotiatePeerConnection(side);
            out.onNext(c(7, RtcEvent.OFFER, "offer " + i));
            sides.add(side);
            clients.add(out);
        }
        for (int i = 0; i < 10; i++) {
            WorkerRtcMessage offer = ws.next();
            worker.onNext(w(7, RtcEvent.ANSWER, offer.getClientId(), "answer to " + offer.getMessage().toStringUtf8()));
        }
        for (int i = 0; i < 10; i++) {
            assertThat(sides.get(i).next().getMessage().toStringUtf8()).isEqualTo("answer to offer " + i);
        }
        clients.forEach(StreamObserver::onCompleted);
        worker.onCompleted();
    }

    @Test
    void aWorkerThatLeavesEndsItsClientsStreams() throws Exception {
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        StreamObserver<WorkerRtcMessage> worker = worker(node, 9, ws);
        GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
        StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node)).negotiatePeerConnection(cs);
        client.onNext(c(9, RtcEvent.OFFER, "o"));
        ws.next();
        worker.onCompleted();
        Status status = cs.status();
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("worker 9 disconnected");
    }

    @Test
    void unknownWorkerIsNotFound() throws Exception {
        GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
        ClientServiceGrpc.newStub(channel(node)).negotiatePeerConnection(cs).onNext(c(404, RtcEvent.OFFER, "o"));
        assertThat(cs.status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void duplicateWorkerIdIsAlreadyExists() throws Exception {
        worker(node, 5, new GrpcSide<>());
        GrpcSide<WorkerRtcMessage> second = new GrpcSide<>();
        WorkerServiceGrpc.newStub(channel(node)).negotiatePeerConnection(second).onNext(w(5, RtcEvent.BLANK, "", ""));
        assertThat(second.status().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    }

    @Test
    void malformedMessagesAreInvalidArgument() throws Exception {
        GrpcSide<WorkerRtcMessage> noId = new GrpcSide<>();
        WorkerServiceGrpc.newStub(channel(node)).negotiatePeerConnection(noId).onNext(w(0, RtcEvent.BLANK, "", ""));
        assertThat(noId.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        GrpcSide<ClientRtcMessage> clientNoId = new GrpcSide<>();
        ClientServiceGrpc.newStub(channel(node)).negotiatePeerConnection(clientNoId).onNext(c(0, RtcEvent.OFFER, "o"));
        assertThat(clientNoId.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        StreamObserver<WorkerRtcMessage> worker = worker(node, 11, ws);
        worker.onNext(w(11, RtcEvent.ANSWER, "", "no client named"));
        assertThat(ws.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        GrpcSide<ClientRtcMessage> big = new GrpcSide<>();
        worker(node, 12, new GrpcSide<>());
        ClientServiceGrpc.newStub(channel(node)).negotiatePeerConnection(big)
                .onNext(c(12, RtcEvent.OFFER, "x".repeat(GrpcServer.MAX_MESSAGE_BYTES + 1)));
        assertThat(big.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void aClientThatDoesNotReadIsCutOffAtTheCap() throws Exception {
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        StreamObserver<WorkerRtcMessage> worker = worker(node, 21, ws);
        StalledSide stalled = new StalledSide();
        StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node)).negotiatePeerConnection(stalled);
        client.onNext(c(21, RtcEvent.OFFER, "o"));
        String clientId = ws.next().getClientId();
        String big = "x".repeat(32 * 1024);
        // up to 32 MiB at a reader that takes nothing: more than the client's flow-control window (BDP tuning
        // grows it to 8 MiB) plus the server's cap; the server gives up on the client and tells its worker
        WorkerRtcMessage told = null;
        for (int i = 0; i < 1024 && told == null; i++) {
            worker.onNext(w(21, RtcEvent.ICE_CANDIDATE, clientId, big));
            told = ws.received.poll(1, TimeUnit.MILLISECONDS);
        }
        if (told == null) {
            told = ws.next();
        }
        assertThat(told.getEvent()).isEqualTo(RtcEvent.BLANK);
        assertThat(told.getClientId()).isEqualTo(clientId);
        // gRPC puts the status after the messages already on their way: the client sees it once it reads them
        stalled.call.request(Integer.MAX_VALUE);
        Status status = stalled.ended.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains("slow consumer");
        // what was held for it is bounded by its own flow-control window plus the server's cap
        long bytesRead = stalled.received.stream().mapToLong(ClientRtcMessage::getSerializedSize).sum();
        assertThat(bytesRead).isLessThan(8L * 1024 * 1024 + node.config().maxOutboundBytes() + 64 * 1024);
        worker.onNext(w(21, RtcEvent.PING, "", ""));
        assertThat(ws.next().getEvent()).isEqualTo(RtcEvent.PING); // the worker is unaffected
    }

    @Test
    void aSilentStreamIsClosed() throws Exception {
        node.close();
        node = TestNodes.start(TestNodes.config().grpcIdleTimeout(Duration.ofMillis(800)).build());
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        worker(node, 13, ws);
        Status status = ws.ended.get(5, TimeUnit.SECONDS); // idle timeout is 800 ms on this node
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("idle");
    }

    /** {@code n} clients of worker {@code id} on {@code at}, each opening with PING, which asks nothing of the worker. */
    private static List<GrpcSide<ClientRtcMessage>> pingingClients(ManagedChannel at, long id, int n) {
        List<GrpcSide<ClientRtcMessage>> sides = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GrpcSide<ClientRtcMessage> side = new GrpcSide<>();
            ClientServiceGrpc.newStub(at).negotiatePeerConnection(side).onNext(c(id, RtcEvent.PING, ""));
            sides.add(side);
        }
        return sides;
    }

    /** A test with two nodes sharing a Redis. */
    private interface TwoNodes {
        void run(RedisServer redis, Switchboard a, Switchboard b) throws Exception;
    }

    /**
     * Two nodes over one Redis. Nothing here is about failure detection: on a loaded machine a node's heartbeats
     * have stalled past the default 5 s, and the other then reaped it mid-test, so the bound is wider.
     */
    private static void overRedis(TwoNodes test) throws Exception {
        Duration patient = Duration.ofSeconds(30);
        try (RedisServer redis = RedisServer.start();
             Switchboard a = TestNodes.start(TestNodes.config().nodeId("ga").redisUri(redis.uri())
                     .set(NodeOptions.FAILURE_TIMEOUT, patient).build());
             Switchboard b = TestNodes.start(TestNodes.config().nodeId("gb").redisUri(redis.uri())
                     .set(NodeOptions.FAILURE_TIMEOUT, patient).build())) {
            test.run(redis, a, b);
        }
    }

    @Test
    void clientsThatJoinWhileTheirWorkerLeavesAreAllToldPromptly() throws Exception {
        // the default idle timeout (a minute): a client nobody tells would wait for it
        overRedis((redis, a, b) -> {
            ManagedChannel toA = channel(a);
            // 50 workers, each leaving after a different number of its 20 clients have set off
            for (long id = 1000; id < 1050; id++) {
                StreamObserver<WorkerRtcMessage> worker = worker(b, id, new GrpcSide<>());
                // PING, not OFFER: an offer finds out for itself that its worker is gone
                List<GrpcSide<ClientRtcMessage>> sides = pingingClients(toA, id, (int) (id % 20));
                worker.onCompleted(); // while those are checking for it and joining, and before the rest
                sides.addAll(pingingClients(toA, id, 20 - (int) (id % 20)));
                for (GrpcSide<ClientRtcMessage> side : sides) {
                    assertThat(side.ended).as("a client of worker %d is told", id).succeedsWithin(Duration.ofSeconds(5))
                            .extracting(Status::getCode).isIn(Status.Code.NOT_FOUND, Status.Code.UNAVAILABLE);
                }
            }
        });
    }

    @Test
    void clientsJoiningAtOnceOnANodeNewToTheirWorkerAllFindIt() throws Exception {
        overRedis((redis, a, b) -> {
            ManagedChannel toA = channel(a);
            for (long id = 2000; id < 2020; id++) {
                worker(b, id, new GrpcSide<>());
                // its PING is answered before its claim is in: wait for the claim
                String members = "switchboard:m:{grpc:" + id + "}";
                await().until(() -> redis.command("HEXISTS", members, "worker").equals(":1\r\n"));
                for (GrpcSide<ClientRtcMessage> side : pingingClients(toA, id, 20)) {
                    assertThat(side.received.poll(5, TimeUnit.SECONDS)).as("a client of worker %d: %s", id, side.ended.getNow(null))
                            .isNotNull();
                    assertThat(side.ended).as("a client of worker %d", id).isNotDone();
                }
            }
        });
    }

    @Test
    void clientOnOneNodeNegotiatesWithAWorkerOnAnotherOverRedis() throws Exception {
        overRedis((redis, a, b) -> {
            GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> worker = worker(b, 77, ws);
            // its PING is answered before its claim is in: a client elsewhere can find it once it is
            await()
                    .until(() -> redis.command("HEXISTS", "switchboard:m:{grpc:77}", "worker").equals(":1\r\n"));
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(a)).negotiatePeerConnection(cs);
            client.onNext(c(77, RtcEvent.OFFER, "cross-node offer"));
            WorkerRtcMessage offer = ws.next();
            assertThat(offer.getMessage().toStringUtf8()).as(offer.toString()).isEqualTo("cross-node offer");
            worker.onNext(w(77, RtcEvent.ANSWER, offer.getClientId(), "cross-node answer"));
            assertThat(cs.next().getMessage().toStringUtf8()).isEqualTo("cross-node answer");
            // a duplicate worker id is refused across nodes too
            GrpcSide<WorkerRtcMessage> dup = new GrpcSide<>();
            WorkerServiceGrpc.newStub(channel(a)).negotiatePeerConnection(dup).onNext(w(77, RtcEvent.BLANK, "", ""));
            assertThat(dup.status().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
            worker.onCompleted();
            assertThat(cs.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        });
    }

    /** The check for a worker on another node does not block the gRPC thread; what the client sends meanwhile waits, in order. */
    @Test
    void messagesSentWhileTheClusterIsAskedForTheWorkerArriveInOrder() throws Exception {
        overRedis((redis, a, b) -> {
            GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
            worker(b, 78, ws);
            await()
                    .until(() -> redis.command("HEXISTS", "switchboard:m:{grpc:78}", "worker").equals(":1\r\n"));
            // Redis answers nobody for a moment: the client's first message waits for the cluster's answer
            assertThat(redis.command("CLIENT", "PAUSE", "500", "ALL")).isEqualTo("+OK\r\n");
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(a)).negotiatePeerConnection(cs);
            client.onNext(c(78, RtcEvent.OFFER, "offer"));
            for (int i = 0; i < 20; i++) {
                client.onNext(c(0, RtcEvent.LOCAL_ICE_CANDIDATE, "candidate " + i));
            }
            assertThat(ws.next().getMessage().toStringUtf8()).isEqualTo("offer");
            for (int i = 0; i < 20; i++) {
                assertThat(ws.next().getMessage().toStringUtf8()).isEqualTo("candidate " + i);
            }
            assertThat(cs.ended).isNotDone();
        });
    }

    @Test
    void aClientThatSendsTooMuchBeforeItsWorkerIsFoundIsResourceExhausted() throws Exception {
        overRedis((redis, a, b) -> {
            worker(b, 79, new GrpcSide<>());
            await()
                    .until(() -> redis.command("HEXISTS", "switchboard:m:{grpc:79}", "worker").equals(":1\r\n"));
            assertThat(redis.command("CLIENT", "PAUSE", "1000", "ALL")).isEqualTo("+OK\r\n");
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(a)).negotiatePeerConnection(cs);
            client.onNext(c(79, RtcEvent.OFFER, "offer"));
            for (int i = 0; i < 100; i++) {
                client.onNext(c(0, RtcEvent.LOCAL_ICE_CANDIDATE, "candidate " + i));
            }
            Status status = cs.status();
            assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).isEqualTo("more than 64 messages before the worker was found");
        });
    }
}
