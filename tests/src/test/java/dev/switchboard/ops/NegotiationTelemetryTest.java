package dev.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.dialect.rendezvous.TestKeys;
import dev.switchboard.grpc.proto.ClientRtcMessage;
import dev.switchboard.grpc.proto.ClientServiceGrpc;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Negotiation telemetry (docs/design/telemetry.md) per dialect, with real clients over real sockets (gRPC
 * included), read back from the node's /metrics as Prometheus would.
 */
class NegotiationTelemetryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private final ObjectMapper json = new ObjectMapper();
    private Switchboard node;

    @BeforeEach
    void start() {
        node = TestNodes.start(TestNodes.config().negotiationTimeout(TIMEOUT).grpcPort(0).build());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** The value of a sample of the node's /metrics for one dialect; 0 when absent. */
    private double metric(String name, String dialect) {
        String body = Http.get(node.port(), "/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{dialect=\"" + Pattern.quote(dialect)
                + "\"[^}]*} (\\S+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private void awaitMetric(String name, String dialect, double expected) {
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(metric(name, dialect)).as(name + " of " + dialect).isEqualTo(expected));
    }

    /** One completed exchange with candidates, one glare, one abandoned offer: what each dialect must show. */
    private void assertCompletedExchange(String dialect) {
        awaitMetric("switchboard_negotiations_started_total", dialect, 1);
        awaitMetric("switchboard_negotiations_completed_total", dialect, 1);
        awaitMetric("switchboard_negotiation_answer_seconds_count", dialect, 1);
        // the candidate phase ends once the pair is quiet: then the time to the last candidate is recorded
        awaitMetric("switchboard_negotiation_candidates_seconds_count", dialect, 1);
        assertThat(metric("switchboard_negotiations_abandoned_total", dialect)).isZero();
    }

    private WsClient namedPeer(String name) {
        WsClient c = WsClient.connect(node.port(), "/");
        c.send("{\"type\":\"login\",\"name\":\"" + name + "\"}");
        assertThat(c.next()).startsWith("{\"type\":\"login_success\"");
        return c;
    }

    private static String np(String type, String target) {
        return "{\"type\":\"" + type + "\",\"target\":\"" + target + "\",\"" + type + "\":{\"type\":\"" + type
                + "\",\"sdp\":\"v=0\"}}";
    }

    @Test
    void namedPeerExchangeGlareAndAbandonedOffer() {
        try (WsClient a = namedPeer("a"); WsClient b = namedPeer("b")) {
            a.next(); // peer_connected b
            a.send(np("offer", "b"));
            assertThat(b.next()).contains("\"type\":\"offer\"");
            b.send(np("answer", "a"));
            assertThat(a.next()).contains("\"type\":\"answer\"");
            a.send("{\"type\":\"candidate\",\"target\":\"b\",\"candidate\":{\"candidate\":\"c1\"}}");
            b.send("{\"type\":\"ice-candidate\",\"target\":\"a\",\"candidate\":{\"candidate\":\"c2\"}}");
            b.next();
            a.next();
            assertCompletedExchange("named-peer");

            try (WsClient c = namedPeer("c")) {
                c.send(np("offer", "a")); // never answered
                a.next();
                b.next();
                a.next();
                awaitMetric("switchboard_negotiations_abandoned_total", "named-peer", 1);
            }
            // c's leave is announced to both: read it here, so the next reads below are the offers they wait for
            assertThat(a.next()).contains("peer_disconnected");
            assertThat(b.next()).contains("peer_disconnected");
            // both offer before either answers: glare, counted once; the polite one then answers
            a.send(np("offer", "b"));
            // a's offer reached b (so the node handled it) before b offers: the order is the test's
            assertThat(b.next()).contains("\"type\":\"offer\"");
            b.send(np("offer", "a"));
            assertThat(a.next()).contains("\"type\":\"offer\"");
            b.send(np("answer", "a"));
            awaitMetric("switchboard_negotiations_glare_total", "named-peer", 1);
            awaitMetric("switchboard_negotiations_completed_total", "named-peer", 2);
            awaitMetric("switchboard_negotiations_started_total", "named-peer", 3);
        }
    }

    private static String publish(String topic, String from, String to, String signal) {
        return "{\"type\":\"publish\",\"topic\":\"" + topic + "\",\"data\":{\"to\":\"" + to + "\",\"from\":\"" + from
                + "\",\"type\":\"signal\",\"token\":1714300000000.62,\"signal\":" + signal + "}}";
    }

    @Test
    void yWebrtcSignalsInsidePublishes() {
        try (WsClient a = WsClient.connect(node.port(), "/"); WsClient b = WsClient.connect(node.port(), "/")) {
            a.send("{\"type\":\"subscribe\",\"topics\":[\"doc\"]}");
            b.send("{\"type\":\"subscribe\",\"topics\":[\"doc\"]}");
            a.send("{\"type\":\"ping\"}");
            b.send("{\"type\":\"ping\"}");
            a.next();
            b.next();
            a.send("{\"type\":\"publish\",\"topic\":\"doc\",\"data\":{\"type\":\"announce\",\"from\":\"pa\"}}");
            a.send(publish("doc", "pa", "pb", "{\"type\":\"offer\",\"sdp\":\"v=0\"}"));
            b.next();
            b.next(); // the offer reached b before b answers (two sockets, two threads: the test sets the order)
            b.send(publish("doc", "pb", "pa", "{\"type\":\"answer\",\"sdp\":\"v=0\"}"));
            // simple-peer's two shapes of a candidate
            b.send(publish("doc", "pb", "pa", "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\"}}"));
            a.send(publish("doc", "pa", "pb", "{\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\"}}"));
            // with a room password, data is an encrypted string: nothing of it can be counted
            a.send("{\"type\":\"publish\",\"topic\":\"doc\",\"data\":\"AAECAwQFBgcICQ\"}");
            for (int i = 0; i < 6; i++) {
                a.next();
            }
            for (int i = 0; i < 4; i++) {
                b.next();
            }
            assertCompletedExchange("y-webrtc");
            assertThat(metric("switchboard_negotiations_started_total", "y-webrtc")).isEqualTo(1);
        }
    }

    @Test
    void rendezvousRelays() throws Exception {
        TestKeys ka = TestKeys.create("P-256");
        TestKeys kb = TestKeys.create("Ed25519");
        try (WsClient a = WsClient.connect(node.port(), "/room/lobby/websocket");
             WsClient b = WsClient.connect(node.port(), "/room/lobby/websocket")) {
            a.send(ka.register(json.readTree(a.next()).get("nonce").asText()));
            a.next(); // welcome
            b.send(kb.register(json.readTree(b.next()).get("nonce").asText()));
            b.next();
            a.next(); // peer-joined
            a.send("{\"type\":\"offer\",\"to\":\"" + kb.peerId + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
            b.next();
            b.send("{\"type\":\"answer\",\"to\":\"" + ka.peerId + "\",\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}");
            a.next();
            b.send("{\"type\":\"ice-candidate\",\"to\":\"" + ka.peerId + "\",\"candidate\":{\"candidate\":\"c\"}}");
            a.next();
            assertCompletedExchange("rendezvous");
        }
    }

    @Test
    void radixCountsWhatTheSealedEnvelopeShows() throws Exception {
        String id = "de0ced0c3e25f3d8b3a4e0c9b0d6f1a2b3c4d5e6f708192a3b4c5d6e7f809102";
        try (WsClient ext = WsClient.connect(node.port(), "/" + id + "?target=wallet&source=extension");
             WsClient wallet = WsClient.connect(node.port(), "/" + id + "?target=extension&source=wallet")) {
            String extId = json.readTree(wallet.next()).get("remoteClientId").asText();
            String walletId = json.readTree(ext.next()).get("remoteClientId").asText();
            ext.send(radix("r1", "offer", walletId));
            wallet.next();
            ext.next(); // confirmation
            wallet.send(radix("r2", "answer", extId));
            ext.next();
            wallet.next();
            wallet.send(radix("r3", "iceCandidates", extId));
            ext.next();
            wallet.next();
            assertCompletedExchange("radix");
        }
    }

    static String radix(String requestId, String method, String target) {
        return "{\"requestId\":\"" + requestId + "\",\"method\":\"" + method + "\",\"targetClientId\":\"" + target
                + "\",\"encryptedPayload\":\"8ab7\"}";
    }

    @Test
    void grpcClientAndWorker() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
        try {
            grpcExchange(channel, channel, () -> assertCompletedExchange("grpc"));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * A worker (on {@code workerSide}) and a client (on {@code clientSide}) negotiate, each step waiting for the
     * one before to arrive; {@code check} runs before both streams end.
     */
    static void grpcExchange(ManagedChannel clientSide, ManagedChannel workerSide, Runnable check) throws Exception {
        GrpcSide<WorkerRtcMessage> ws = new GrpcSide<>();
        StreamObserver<WorkerRtcMessage> worker = WorkerServiceGrpc.newStub(workerSide).negotiatePeerConnection(ws);
        worker.onNext(w(RtcEvent.BLANK, ""));
        worker.onNext(w(RtcEvent.PING, ""));
        assertThat(ws.next().getEvent()).isEqualTo(RtcEvent.PING);
        GrpcSide<ClientRtcMessage> cs = new GrpcSide<>();
        StreamObserver<ClientRtcMessage> client = ClientServiceGrpc.newStub(clientSide).negotiatePeerConnection(cs);
        client.onNext(c(RtcEvent.OFFER));
        String clientId = ws.next().getClientId();
        worker.onNext(w(RtcEvent.ANSWER, clientId));
        cs.next();
        client.onNext(c(RtcEvent.ACCEPT_ANSWER));
        ws.next();
        client.onNext(c(RtcEvent.LOCAL_ICE_CANDIDATE));
        ws.next();
        worker.onNext(w(RtcEvent.ICE_CANDIDATE, clientId));
        cs.next();
        check.run();
        client.onCompleted();
        worker.onCompleted();
    }

    private static WorkerRtcMessage w(RtcEvent e, String clientId) {
        return WorkerRtcMessage.newBuilder().setWorkerMachineId(7).setEvent(e).setClientId(clientId)
                .setMessage(ByteString.copyFromUtf8("m")).build();
    }

    private static ClientRtcMessage c(RtcEvent e) {
        return ClientRtcMessage.newBuilder().setWorkerMachineId(7).setEvent(e).setMessage(ByteString.copyFromUtf8("m"))
                .build();
    }
}
