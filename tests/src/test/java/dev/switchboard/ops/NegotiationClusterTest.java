package dev.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.dialect.rendezvous.TestKeys;
import dev.switchboard.metrics.Negotiations;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Negotiation telemetry when the two peers are on different nodes of a Redis cluster: the exchange is
 * counted once, on the offerer's node, and completes there when the answer arrives from the other node
 * (docs/design/telemetry.md#one-nodes-view); nothing is left to count as abandoned.
 */
class NegotiationClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private final ObjectMapper json = new ObjectMapper();
    private RedisServer redis;
    private Switchboard one;
    private Switchboard two;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        one = TestNodes.start(TestNodes.config().nodeId("one").redisUri(redis.uri()).negotiationTimeout(TIMEOUT).build());
        two = TestNodes.start(TestNodes.config().nodeId("two").redisUri(redis.uri()).negotiationTimeout(TIMEOUT).build());
    }

    @AfterEach
    void stop() {
        one.close();
        two.close();
        redis.close();
    }

    private static Negotiations at(Switchboard node, String dialect) {
        return node.metrics().dialect(dialect).negotiations();
    }

    /** Completed once on the offerer's node, nothing on the other, and nothing abandoned past the timeout. */
    private void assertCountedOnceWhereOffered(String dialect) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(at(one, dialect).completed()).isEqualTo(1);
            assertThat(at(one, dialect).open()).isZero(); // over: quiet after its candidates
        });
        assertThat(at(one, dialect).started()).isEqualTo(1);
        assertThat(at(two, dialect).started()).isZero();
        assertThat(at(two, dialect).completed()).isZero();
        assertThat(at(one, dialect).abandoned() + at(two, dialect).abandoned()).isZero();
        assertThat(one.metrics().scrape()).contains(
                "switchboard_negotiation_candidates_seconds_count{dialect=\"" + dialect + "\"} 1");
    }

    @Test
    void namedPeer() {
        try (WsClient a = WsClient.connect(one.port(), "/"); WsClient b = WsClient.connect(two.port(), "/")) {
            a.send("{\"type\":\"login\",\"name\":\"a\"}");
            a.next();
            b.send("{\"type\":\"login\",\"name\":\"b\"}");
            b.next();
            a.send("{\"type\":\"offer\",\"target\":\"b\",\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
            await().until(() -> b.next().contains("\"offer\""));
            b.send("{\"type\":\"answer\",\"target\":\"a\",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}");
            b.send("{\"type\":\"candidate\",\"target\":\"a\",\"candidate\":{\"candidate\":\"c\"}}");
            assertCountedOnceWhereOffered("named-peer");
        }
    }

    @Test
    void yWebrtc() {
        try (WsClient a = WsClient.connect(one.port(), "/"); WsClient b = WsClient.connect(two.port(), "/")) {
            a.send("{\"type\":\"subscribe\",\"topics\":[\"doc\"]}").send("{\"type\":\"ping\"}");
            b.send("{\"type\":\"subscribe\",\"topics\":[\"doc\"]}").send("{\"type\":\"ping\"}");
            a.next();
            b.next();
            await().until(() -> one.hub().knownCount(new dev.switchboard.core.RoomKey("y-webrtc", "doc")) == 2
                    && two.hub().knownCount(new dev.switchboard.core.RoomKey("y-webrtc", "doc")) == 2);
            a.send(publish("pa", "pb", "{\"type\":\"offer\",\"sdp\":\"v=0\"}"));
            b.next();
            b.send(publish("pb", "pa", "{\"type\":\"answer\",\"sdp\":\"v=0\"}"));
            b.send(publish("pb", "pa", "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\"}}"));
            assertCountedOnceWhereOffered("y-webrtc");
        }
    }

    private static String publish(String from, String to, String signal) {
        return "{\"type\":\"publish\",\"topic\":\"doc\",\"data\":{\"type\":\"signal\",\"from\":\"" + from
                + "\",\"to\":\"" + to + "\",\"signal\":" + signal + "}}";
    }

    @Test
    void rendezvous() throws Exception {
        TestKeys ka = TestKeys.create("P-256");
        TestKeys kb = TestKeys.create("P-256");
        try (WsClient a = WsClient.connect(one.port(), "/room/lobby/websocket");
             WsClient b = WsClient.connect(two.port(), "/room/lobby/websocket")) {
            a.send(ka.register(json.readTree(a.next()).get("nonce").asText()));
            a.next();
            b.send(kb.register(json.readTree(b.next()).get("nonce").asText()));
            b.next();
            a.next(); // peer-joined
            a.send("{\"type\":\"offer\",\"to\":\"" + kb.peerId + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
            b.next();
            b.send("{\"type\":\"answer\",\"to\":\"" + ka.peerId + "\",\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}");
            b.send("{\"type\":\"ice-candidate\",\"to\":\"" + ka.peerId + "\",\"candidate\":{\"candidate\":\"c\"}}");
            assertCountedOnceWhereOffered("rendezvous");
        }
    }

    @Test
    void radix() throws Exception {
        String id = "ab".repeat(32);
        try (WsClient ext = WsClient.connect(one.port(), "/" + id + "?target=wallet&source=extension");
             WsClient wallet = WsClient.connect(two.port(), "/" + id + "?target=extension&source=wallet")) {
            String walletId = json.readTree(ext.next()).get("remoteClientId").asText();
            String extId = json.readTree(wallet.next()).get("remoteClientId").asText();
            ext.send(NegotiationTelemetryTest.radix("r1", "offer", walletId));
            wallet.next();
            wallet.send(NegotiationTelemetryTest.radix("r2", "answer", extId));
            wallet.send(NegotiationTelemetryTest.radix("r3", "iceCandidate", extId));
            assertCountedOnceWhereOffered("radix");
        }
    }

    @Test
    void grpcClientOnOneNodeWorkerOnTheOther() throws Exception {
        ManagedChannel toOne = NettyChannelBuilder.forAddress("127.0.0.1", one.grpcPort()).usePlaintext().build();
        ManagedChannel toTwo = NettyChannelBuilder.forAddress("127.0.0.1", two.grpcPort()).usePlaintext().build();
        try {
            NegotiationTelemetryTest.grpcExchange(toOne, toTwo, () -> assertCountedOnceWhereOffered("grpc"));
        } finally {
            toOne.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            toTwo.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
