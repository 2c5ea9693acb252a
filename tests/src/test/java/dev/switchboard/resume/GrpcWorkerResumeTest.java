package dev.switchboard.resume;

import static dev.switchboard.resume.ResumeCases.awaitKept;
import static dev.switchboard.resume.ResumeCases.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.resume.ResumeCases.KilledNode;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.grpc.proto.ClientRtcMessage;
import dev.switchboard.grpc.proto.ClientServiceGrpc;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.SeverableProxy;
import dev.switchboard.testkit.TestNodes;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gRPC worker's resume by its id and secret (docs/protocols/grpc-client-worker.md#resume), over real channels: a
 * worker whose stream is cut (its channel dropped without closing its side) registers again with the same secret
 * within the window, on its node or on another after its own was killed: its clients' streams stay open, it gets
 * what they sent meanwhile, in order, once, and answers reach them. A stale stream ends ABORTED; another secret
 * or none gets today's ALREADY_EXISTS; after the window, and for a worker without a secret, the clients end
 * UNAVAILABLE as before.
 */
class GrpcWorkerResumeTest {
    private static final String SECRET = "worker-42-secret-0123456789";
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private ManagedChannel channel(int port) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private static WorkerRtcMessage w(RtcEvent e, String clientId, String body) {
        return WorkerRtcMessage.newBuilder().setWorkerMachineId(42).setEvent(e).setClientId(clientId)
                .setMessage(ByteString.copyFromUtf8(body)).build();
    }

    private static ClientRtcMessage c(RtcEvent e, String body) {
        return ClientRtcMessage.newBuilder().setWorkerMachineId(42).setEvent(e).setMessage(ByteString.copyFromUtf8(body)).build();
    }

    /** A worker 42 stream on its own channel, with {@code secret} as its switchboard-resume metadata (null: none). */
    private StreamObserver<WorkerRtcMessage> worker(ManagedChannel ch, String secret, GrpcSide<WorkerRtcMessage> side) {
        WorkerServiceGrpc.WorkerServiceStub stub = WorkerServiceGrpc.newStub(ch);
        if (secret != null) {
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("switchboard-resume", Metadata.ASCII_STRING_MARSHALLER), secret);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        }
        StreamObserver<WorkerRtcMessage> out = stub.negotiatePeerConnection(side);
        out.onNext(w(RtcEvent.BLANK, "", ""));
        return out;
    }

    private static void registered(StreamObserver<WorkerRtcMessage> out, GrpcSide<WorkerRtcMessage> side) throws Exception {
        out.onNext(w(RtcEvent.PING, "", ""));
        assertThat(side.next().getEvent()).isEqualTo(RtcEvent.PING);
    }

    /** A client of worker 42 whose offer reached it; returns the client id the worker saw. */
    private static String offer(StreamObserver<ClientRtcMessage> client, GrpcSide<WorkerRtcMessage> worker) throws Exception {
        client.onNext(c(RtcEvent.OFFER, "offer"));
        WorkerRtcMessage offer = worker.next();
        assertThat(offer.getMessage().toStringUtf8()).isEqualTo("offer");
        return offer.getClientId();
    }

    private static List<String> bodies(GrpcSide<WorkerRtcMessage> side, int n) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(side.next().getMessage().toStringUtf8());
        }
        return out;
    }

    @Test
    void aCutWorkerResumesAndItsClientsStreamsStayOpen() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().build())) {
            ManagedChannel first = channel(node.grpcPort());
            GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
            registered(worker(first, SECRET, ws), ws);
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node.grpcPort())).negotiatePeerConnection(cs);
            String clientId = offer(client, ws);
            first.shutdownNow(); // the worker's connection is gone without its stream being closed
            awaitParked(node, 1);
            client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE, "c1"));
            client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE, "c2"));
            awaitKept(node, 2);
            assertThat(cs.ended).isNotDone();

            GrpcSide<WorkerRtcMessage> back = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> again = worker(channel(node.grpcPort()), SECRET, back);
            assertThat(bodies(back, 2)).containsExactly("c1", "c2");
            registered(again, back);
            again.onNext(w(RtcEvent.ANSWER, clientId, "answer"));
            assertThat(cs.next().getMessage().toStringUtf8()).isEqualTo("answer");
            client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE, "c3"));
            assertThat(back.next().getMessage().toStringUtf8()).isEqualTo("c3");
            assertThat(cs.ended).isNotDone();
            assertThat(back.received).isEmpty();
            again.onCompleted();
        }
    }

    /** A client that ended while its worker was away is announced to the resumed worker, after what it sent. */
    @Test
    void aClientThatEndedWhileTheWorkerWasAwayIsToldAsBlankOnResume() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().build())) {
            ManagedChannel first = channel(node.grpcPort());
            GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
            registered(worker(first, SECRET, ws), ws);
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node.grpcPort())).negotiatePeerConnection(cs);
            String clientId = offer(client, ws);
            first.shutdownNow();
            awaitParked(node, 1);
            client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE, "last words"));
            client.onCompleted();
            awaitKept(node, 2);

            GrpcSide<WorkerRtcMessage> back = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> again = worker(channel(node.grpcPort()), SECRET, back);
            assertThat(bodies(back, 1)).containsExactly("last words");
            WorkerRtcMessage blank = back.next();
            assertThat(blank.getEvent()).isEqualTo(RtcEvent.BLANK);
            assertThat(blank.getClientId()).isEqualTo(clientId);
            registered(again, back);
            assertThat(back.received).isEmpty(); // once
            again.onCompleted();
        }
    }

    /**
     * The network under the worker is cut without a word (no reset, no close): the server's HTTP/2 keepalive
     * (a ping every --ping-interval, here 1 s raised to grpc-java's floor of 10 s, 1 s to answer) finds the connection dead and parks the worker.
     */
    @Test
    void aWorkerWhoseNetworkIsCutIsParkedWhenKeepaliveNoticesAndResumes() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().set(NodeOptions.PING_INTERVAL, Duration.ofSeconds(1)).build());
             SeverableProxy network = SeverableProxy.to(node.grpcPort())) {
            GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
            registered(worker(channel(network.port()), SECRET, ws), ws);
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node.grpcPort())).negotiatePeerConnection(cs);
            String clientId = offer(client, ws);
            network.sever();
            await().atMost(Duration.ofSeconds(30)).until(() -> node.hub().resumeStats().parked() == 1);
            client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE, "c1"));
            awaitKept(node, 1);
            GrpcSide<WorkerRtcMessage> back = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> again = worker(channel(node.grpcPort()), SECRET, back);
            assertThat(bodies(back, 1)).containsExactly("c1");
            registered(again, back);
            again.onNext(w(RtcEvent.ANSWER, clientId, "answer"));
            assertThat(cs.next().getMessage().toStringUtf8()).isEqualTo("answer");
            assertThat(cs.ended).isNotDone();
            again.onCompleted();
        }
    }

    @Test
    void aStaleStreamEndsAbortedAndWithoutTheSecretTheIdIsTaken() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().build())) {
            GrpcSide<WorkerRtcMessage> stale = new GrpcSide<>();
            registered(worker(channel(node.grpcPort()), SECRET, stale), stale);
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node.grpcPort())).negotiatePeerConnection(cs);
            String clientId = offer(client, stale);

            for (String other : new String[] {null, "another-secret-0123456789"}) {
                GrpcSide<WorkerRtcMessage> refused = new GrpcSide<>();
                worker(channel(node.grpcPort()), other, refused);
                assertThat(refused.status().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
            }
            GrpcSide<WorkerRtcMessage> back = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> again = worker(channel(node.grpcPort()), SECRET, back);
            registered(again, back);
            Status ended = stale.status();
            assertThat(ended.getCode()).isEqualTo(Status.Code.ABORTED);
            assertThat(ended.getDescription()).isEqualTo("worker 42 resumed on another stream");
            again.onNext(w(RtcEvent.ANSWER, clientId, "answer"));
            assertThat(cs.next().getMessage().toStringUtf8()).isEqualTo("answer");
            assertThat(cs.ended).isNotDone();
            again.onCompleted();
        }
    }

    @Test
    void afterTheWindowAndWithoutASecretClientsEndAsBefore() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().set(NodeOptions.RESUME_WINDOW, Duration.ofSeconds(2)).build())) {
            for (String secret : new String[] {SECRET, null}) {
                ManagedChannel ch = channel(node.grpcPort());
                GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
                registered(worker(ch, secret, ws), ws);
                GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
                StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(node.grpcPort())).negotiatePeerConnection(cs);
                offer(client, ws);
                ch.shutdownNow();
                Status ended = cs.status(); // at once without a secret; when the window ends with one
                assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(ended.getDescription()).isEqualTo("worker 42 disconnected");
            }
            assertThat(node.hub().resumeStats().expired()).isEqualTo(1);
        }
    }

    @Test
    void aWorkerOfAKilledNodeResumesOnAnotherAndItsClientsThereStayOpen() throws Exception {
        try (KilledNode nodes = KilledNode.overRedis()) {
            Switchboard survivor = nodes.survivor();
            NodeProcess victim = nodes.victim();
            GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
            registered(worker(channel(victim.grpcPort()), SECRET, ws), ws);
            GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(channel(survivor.grpcPort())).negotiatePeerConnection(cs);
            String clientId = offer(client, ws);
            GrpcSide<ClientRtcMessage> leaving = new GrpcSide<>();
            StreamObserver<ClientRtcMessage> gone = ClientServiceGrpc.newStub(channel(survivor.grpcPort())).negotiatePeerConnection(leaving);
            String goneId = offer(gone, ws);
            victim.kill();
            client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE, "c1"));
            client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE, "c2"));
            awaitKept(survivor, 2);
            nodes.awaitReaped(); // reaped, kept
            gone.onCompleted(); // a client that ends while its worker is away: its BLANK is kept too
            awaitKept(survivor, 3);
            assertThat(cs.ended).isNotDone();
            GrpcSide<WorkerRtcMessage> back = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> again = worker(channel(survivor.grpcPort()), SECRET, back);
            assertThat(bodies(back, 2)).containsExactly("c1", "c2");
            WorkerRtcMessage blank = back.next();
            assertThat(blank.getEvent()).isEqualTo(RtcEvent.BLANK);
            assertThat(blank.getClientId()).isEqualTo(goneId);
            registered(again, back);
            again.onNext(w(RtcEvent.ANSWER, clientId, "answer"));
            assertThat(cs.next().getMessage().toStringUtf8()).isEqualTo("answer");
            assertThat(cs.ended).isNotDone();
            again.onCompleted();
        }
    }
}
