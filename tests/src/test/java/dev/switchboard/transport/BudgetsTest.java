package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.ClientFrames;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RawHttp;
import dev.switchboard.testkit.RawUpgrade;
import dev.switchboard.testkit.Scrape;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Message and connection budgets (issue "Survive hostile clients"): a sender over its budget is throttled and
 * then dropped, never its receivers; a node holds at most --max-connections, an address at most
 * --max-connections-per-ip WebSockets and --connection-rate-per-ip new ones a second.
 */
class BudgetsTest {
    private static String metrics(Switchboard node) {
        return Http.get(node.port(), "/metrics").body();
    }

    /** Row 6: one client publishing far faster than its budget to a topic with readers. */
    @Test
    void aSenderOverItsBudgetIsThrottledThenClosedWhileItsReceiversKeepUp() throws Exception {
        var config = TestNodes.config()
                .set(NodeOptions.MESSAGE_RATE, 100).set(NodeOptions.MESSAGE_BURST, 100)
                .set(NodeOptions.MESSAGE_BYTE_RATE, 64 * 1024).set(NodeOptions.THROTTLE_LIMIT, Duration.ofSeconds(2))
                .build();
        try (Switchboard node = TestNodes.start(config); RawUpgrade flooder = RawUpgrade.open(node.port(), "/")) {
            List<WsClient> readers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                WsClient reader = WsClient.connect(node.port(), "/");
                reader.send("{\"type\":\"subscribe\",\"topics\":[\"flooded\"]}");
                reader.send("{\"type\":\"ping\"}");
                assertThat(reader.next()).isEqualTo("{\"type\":\"pong\"}");
                readers.add(reader);
            }
            byte[] burst = ClientFrames.repeat(ClientFrames.text(
                    "{\"type\":\"publish\",\"topic\":\"flooded\",\"data\":\"" + "x".repeat(4000) + "\"}"), 50);
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 10_000; i++) { // 2 GB if all went through
                        flooder.sendRaw(burst);
                    }
                } catch (IOException closed) {
                    // the server closed the flooder: expected
                }
            });
            writer.setDaemon(true);
            writer.start();
            flooder.timeout(Duration.ofMinutes(2));
            String frame;
            do {
                frame = flooder.nextFrame();
            } while (frame.startsWith("9:"));
            assertThat(frame).isEqualTo("8:1008 Message rate exceeded");
            // counted once the socket is closed, after the close handshake
            await().until(() -> metrics(node).contains("switchboard_closes_total{reason=\"rate_limited\"} 1.0"));
            assertThat(metrics(node)).contains("switchboard_refused_total{dialect=\"y-webrtc\",reason=\"throttled\"}")
                    .doesNotContain("reason=\"slow_consumer\"");
            for (WsClient reader : readers) {
                assertThat(reader.isOpen()).as("a receiver is never punished for its sender").isTrue();
                assertThat(reader.pending()).as("it got what the budget let through").isPositive();
                reader.close();
            }
        }
    }

    /**
     * Requests on one keep-alive connection are charged to its budget as WebSocket frames are, each as
     * --http-request-weight messages: a client asking in a loop, reading every answer, gets 429 once past its
     * burst, and then the end of the connection.
     */
    @Test
    void keepAliveRequestsInALoopAreChargedToTheConnectionsBudget() throws Exception {
        // 800 messages at once, 800 a second: 50 requests at once and 50 a second at the default weight of 16
        var config = TestNodes.config().set(NodeOptions.MESSAGE_RATE, 800).set(NodeOptions.MESSAGE_BURST, 800).build();
        try (Switchboard node = TestNodes.start(config)) {
            int answered = requestsUntilRefused(node);
            assertThat(answered).as("answered before the 429: the burst and what the rate refilled").isBetween(50, 700);
            assertThat(metrics(node)).contains("switchboard_upgrades_refused_total{reason=\"request_rate\"} 1.0");
            // another connection has a budget of its own
            assertThat(Http.get(node.port(), "/health").statusCode()).isEqualTo(200);
        }
        // weighed as one message each, the same budget lets sixteen times as many through at once
        try (Switchboard node = TestNodes.start(TestNodes.config().set(NodeOptions.MESSAGE_RATE, 800)
                .set(NodeOptions.MESSAGE_BURST, 800).set(NodeOptions.HTTP_REQUEST_WEIGHT, 1).build())) {
            assertThat(requestsUntilRefused(node)).isGreaterThanOrEqualTo(800);
        }
    }

    /** Asks /health in a loop on one connection, reading each answer, until refused; checks the refusal. */
    private static int requestsUntilRefused(Switchboard node) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(10_000);
            byte[] request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            int answered = 0;
            String answer;
            do {
                s.getOutputStream().write(request);
                answer = RawHttp.readResponse(s.getInputStream());
            } while (answer.startsWith("HTTP/1.1 200") && ++answered < 20_000);
            assertThat(answer).startsWith("HTTP/1.1 429 Too Many Requests").endsWith("too many requests on this connection");
            assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("connection: close").contains("retry-after: ");
            assertThat(s.getInputStream().read()).as("then closed").isEqualTo(-1);
            return answered;
        }
    }

    @Test
    void aRealClientsBurstStaysWithinTheDefaultBudget() throws Exception {
        try (Switchboard node = TestNodes.start(); WsClient peer = WsClient.connect(node.port(), "/")) {
            // a y-webrtc peer joining a 20-peer room: an announce and, per peer, an offer and 15 candidates
            String candidate = "{\"type\":\"publish\",\"topic\":\"room\",\"data\":{\"type\":\"signal\",\"signal\":{"
                    + "\"candidate\":\"" + "c".repeat(300) + "\"}}}";
            for (int i = 0; i < 20 * 16 + 1; i++) {
                peer.send(candidate);
            }
            peer.send("{\"type\":\"ping\"}");
            assertThat(peer.next()).isEqualTo("{\"type\":\"pong\"}");
            assertThat(metrics(node)).doesNotContain("reason=\"throttled\"");
        }
    }

    /**
     * Row 12: many clients that each stay under their own outbound cap but together make the node hold more than
     * its buffer budget: the heaviest are dropped first, the node's buffers come back under the budget, and a
     * bystander keeps relaying.
     */
    @Test
    void manyReadersThatDoNotReadAreDroppedHeaviestFirstPastTheNodesBufferBudget() throws Exception {
        long budget = 8L * 1024 * 1024;
        var config = TestNodes.config().set(NodeOptions.MAX_BUFFERED_BYTES, budget).maxOutboundBytes(64 * 1024 * 1024)
                .set(NodeOptions.MESSAGE_RATE, 0).build();
        try (Switchboard node = TestNodes.start(config); WsClient publisher = WsClient.connect(node.port(), "/");
             WsClient bystander = WsClient.connect(node.port(), "/")) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    stalled.add(subscribedNonReader(node.port(), "held"));
                }
                // each non-reader is sent 6 MB, under its own 64 MiB cap (the kernel takes up to 4 MB of it); over
                // 20 MB held together
                String data = "x".repeat(60_000);
                for (int i = 0; i < 100; i++) {
                    publisher.send("{\"type\":\"publish\",\"topic\":\"held\",\"data\":\"" + data + "\"}");
                }
                await().until(() -> metrics(node).contains("switchboard_closes_total{reason=\"buffer_budget\"}"));
                await().untilAsserted(() -> assertThat(Scrape.value(metrics(node), "switchboard_buffered_bytes"))
                        .isLessThanOrEqualTo(budget));
                assertThat(metrics(node)).doesNotContain("reason=\"slow_consumer\"");
                bystander.send("{\"type\":\"ping\"}");
                assertThat(bystander.next()).isEqualTo("{\"type\":\"pong\"}");
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    /** A y-webrtc subscriber of {@code topic} with a tiny receive buffer that never reads after its upgrade. */
    private static Socket subscribedNonReader(int port, String topic) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.readResponse(s.getInputStream())).startsWith("HTTP/1.1 101");
        s.getOutputStream().write(ClientFrames.text("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}"));
        s.getOutputStream().write(ClientFrames.text("{\"type\":\"ping\"}"));
        // the pong proves the subscription is in place (frames are handled in order)
        byte[] pong = s.getInputStream().readNBytes(2 + "{\"type\":\"pong\"}".length());
        assertThat(new String(pong, 2, pong.length - 2, StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"pong\"}");
        return s;
    }

    /**
     * Row 12's bound (docs/design/limits.md#membership-notices): a Rendezvous peer that does not read is told of
     * each join and leave in its room until --max-unread-notices (here 100) are unacknowledged, then dropped
     * (behind_on_notices) rather than sent one more notice per join, though its kernel buffers (a few MB on
     * loopback) would take far more; a reading peer, which answers the pings among the notices, gets every one
     * of the many more than 100.
     */
    @Test
    void aPeerThatDoesNotReadIsDroppedOnceFarBehindOnMembershipNotices() throws Exception {
        String room = "/room/notices/websocket";
        var config = TestNodes.config().set(NodeOptions.MESSAGE_RATE, 0).set(NodeOptions.MAX_UNREAD_NOTICES, 100).build();
        try (Switchboard node = TestNodes.start(config); RawUpgrade idle = RawUpgrade.open(node.port(), room);
             WsClient reader = WsClient.connect(node.port(), room)) {
            idle.sendRaw(ClientFrames.text(unsignedRegister()));
            assertThat(reader.next()).startsWith("{\"type\":\"challenge\"");
            reader.send(unsignedRegister());
            String welcome = reader.next();
            assertThat(welcome).startsWith("{\"type\":\"welcome\"");
            if (welcome.contains("\"peers\":[]")) { // the idle peer's register was answered after the reader's
                assertThat(reader.next()).startsWith("{\"type\":\"peer-joined\"");
            }
            boolean idleLeft = false;
            int joins = 0;
            while (!metrics(node).contains("reason=\"behind_on_notices\"")) {
                assertThat(joins).as("joins before the idle peer was dropped").isLessThanOrEqualTo(150);
                for (int i = 0; i < 50; i++, joins++) {
                    try (RawUpgrade passer = RawUpgrade.open(node.port(), room)) {
                        assertThat(passer.nextFrame()).startsWith("1:{\"type\":\"challenge\"");
                        passer.sendRaw(ClientFrames.text(unsignedRegister()));
                        assertThat(passer.nextFrame()).startsWith("1:{\"type\":\"welcome\"");
                    }
                    for (String notice : List.of("peer-joined", "peer-left")) {
                        String next = reader.next();
                        if (!idleLeft && next.startsWith("{\"type\":\"peer-left\"") && !notice.equals("peer-left")) {
                            idleLeft = true; // the idle peer, dropped
                            next = reader.next();
                        }
                        assertThat(next).startsWith("{\"type\":\"" + notice + "\"");
                    }
                }
            }
            assertThat(metrics(node)).doesNotContain("reason=\"slow_consumer\"").doesNotContain("reason=\"buffer_budget\"");
            // the reader went on past the idle peer's 100: it acknowledged what it read
            for (int i = 0; i < 150; i++) {
                try (RawUpgrade passer = RawUpgrade.open(node.port(), room)) {
                    assertThat(passer.nextFrame()).startsWith("1:{\"type\":\"challenge\"");
                    passer.sendRaw(ClientFrames.text(unsignedRegister()));
                    assertThat(passer.nextFrame()).startsWith("1:{\"type\":\"welcome\"");
                }
                String next = reader.next();
                if (!idleLeft && next.startsWith("{\"type\":\"peer-left\"")) {
                    idleLeft = true; // the idle peer's leave, told after the loop above looked
                    next = reader.next();
                }
                assertThat(next).startsWith("{\"type\":\"peer-joined\"");
                assertThat(reader.next()).startsWith("{\"type\":\"peer-left\"");
            }
            assertThat(reader.isOpen()).isTrue();
            assertThat(reader.pingsReceived()).as("pings among the notices").isGreaterThan(10);
            System.out.printf("the idle peer was dropped within %d joins%n", joins);
        }
    }

    /** A register with a made-up RSA-8192 public key (any odd modulus of that size passes) and no signature. */
    private static String unsignedRegister() {
        java.math.BigInteger n = new java.math.BigInteger(8192, new java.util.Random()).setBit(8191).setBit(0);
        byte[] bytes = n.toByteArray();
        bytes = bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
        return "{\"type\":\"register\",\"publicKey\":{\"kty\":\"RSA\",\"n\":\""
                + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "\",\"e\":\"AQAB\"}}";
    }

    /** Row 3: long topic names by the thousand, per connection and across a node's connections. */
    @Test
    void topicBytesAreBudgetedPerConnectionAndPerNode() throws Exception {
        var config = TestNodes.config().set(NodeOptions.MAX_TOPIC_BYTES, 2048)
                .set(NodeOptions.MAX_NODE_TOPIC_BYTES, 10_000L).build();
        try (Switchboard node = TestNodes.start(config)) {
            List<WsClient> clients = new ArrayList<>();
            try {
                for (int c = 0; c < 5; c++) {
                    StringBuilder topics = new StringBuilder();
                    for (int t = 0; t < 10; t++) {
                        topics.append(t == 0 ? "" : ",").append('"').append((char) ('a' + c)).append(t)
                                .append("x".repeat(998)).append('"');
                    }
                    WsClient client = WsClient.connect(node.port(), "/");
                    client.send("{\"type\":\"subscribe\",\"topics\":[" + topics + "]}");
                    client.send("{\"type\":\"ping\"}");
                    assertThat(client.next()).isEqualTo("{\"type\":\"pong\"}");
                    clients.add(client);
                }
                // each connection keeps two 1000-character topics (2048 characters allow no third); four
                // connections' pairs, 1128 bytes a subscription, leave the node's 10,000 bytes no room for the
                // fifth connection's topics
                String m = metrics(node);
                assertThat(Scrape.value(m, "switchboard_ywebrtc_topic_bytes")).isEqualTo(8 * 1128);
                assertThat(m).contains("switchboard_refused_total{dialect=\"y-webrtc\",reason=\"topic_budget\"} 32.0")
                        .contains("switchboard_refused_total{dialect=\"y-webrtc\",reason=\"node_topic_budget\"} 10.0");
                clients.remove(0).close();
                await().untilAsserted(() -> assertThat(Scrape.value(metrics(node), "switchboard_ywebrtc_topic_bytes"))
                        .as("a closed connection gives its topics back").isEqualTo(6 * 1128));
            } finally {
                clients.forEach(WsClient::close);
            }
        }
    }

    /** Row 5: connections past --max-connections get 503 at accept; the node keeps serving the others. */
    @Test
    void connectionsPastTheNodeLimitGet503AtAccept() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().set(NodeOptions.MAX_CONNECTIONS, 3).build())) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    held.add(new Socket("127.0.0.1", node.port()));
                }
                await().untilAsserted(() -> assertThat(countsHeld(node, held)).isTrue());
                try (Socket fourth = new Socket("127.0.0.1", node.port())) {
                    fourth.setSoTimeout(10_000);
                    String answer = new String(fourth.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable").contains("Retry-After: 5")
                            .endsWith("node at its connection limit");
                }
                held.remove(0).close();
                await().untilAsserted(() -> {
                    try (RawUpgrade ws = RawUpgrade.open(node.port(), "/")) {
                        assertThat(ws.statusLine()).isEqualTo("HTTP/1.1 101 Switching Protocols");
                    }
                });
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /**
     * Whether the node counts the held sockets (a /metrics request over a fourth connection would itself be
     * refused, so the gauge is read through a connection that the limit leaves room for: none). The accept of
     * each held socket is asynchronous; a plain request on one of them proves they are all through.
     */
    private static boolean countsHeld(Switchboard node, List<Socket> held) throws IOException {
        Socket last = held.get(held.size() - 1);
        last.setSoTimeout(10_000);
        last.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String response = RawHttp.readResponse(last.getInputStream());
        return response.contains("switchboard_tcp_connections 3.0");
    }

    @Test
    void oneAddressGetsAtMostItsWebSocketsAndOthersBehindATrustedProxyCountApart() throws Exception {
        var config = TestNodes.config().set(NodeOptions.MAX_CONNECTIONS_PER_IP, 2)
                .trustedProxies("127.0.0.1").build();
        try (Switchboard node = TestNodes.start(config);
             WsClient a = WsClient.connect(node.port(), "/"); WsClient b = WsClient.connect(node.port(), "/")) {
            try (RawUpgrade third = RawUpgrade.open(node.port(), "/")) {
                assertThat(third.statusLine()).isEqualTo("HTTP/1.1 429 Too Many Requests");
                assertThat(third.header("retry-after")).isNotNull();
                assertThat(third.body()).isEqualTo("too many connections from this address");
            }
            try (RawUpgrade viaProxy = RawUpgrade.open(node.port(), "/", new byte[0], "X-Forwarded-For: 203.0.113.7");
                 RawUpgrade viaProxy2 = RawUpgrade.open(node.port(), "/", new byte[0], "X-Forwarded-For: 203.0.113.7");
                 RawUpgrade viaProxy3 = RawUpgrade.open(node.port(), "/", new byte[0], "X-Forwarded-For: 203.0.113.7")) {
                assertThat(viaProxy.statusLine()).endsWith("101 Switching Protocols");
                assertThat(viaProxy2.statusLine()).endsWith("101 Switching Protocols");
                assertThat(viaProxy3.statusLine()).endsWith("429 Too Many Requests");
            }
            a.close();
            await().untilAsserted(() -> {
                try (RawUpgrade again = RawUpgrade.open(node.port(), "/")) {
                    assertThat(again.statusLine()).endsWith("101 Switching Protocols");
                }
            });
            assertThat(metrics(node)).contains("switchboard_upgrades_refused_total{reason=\"per_address\"}");
        }
    }

    @Test
    void anAddressOpeningWebSocketsFasterThanItsRateGets429AfterItsBurst() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().set(NodeOptions.CONNECTION_RATE_PER_IP, 1).build())) {
            for (int i = 0; i < 10; i++) {
                try (RawUpgrade ws = RawUpgrade.open(node.port(), "/")) {
                    assertThat(ws.statusLine()).as("upgrade %d, within the burst of ten", i).endsWith("101 Switching Protocols");
                }
            }
            String refused = null;
            for (int i = 0; i < 1000 && refused == null; i++) {
                try (RawUpgrade ws = RawUpgrade.open(node.port(), "/")) {
                    if (ws.statusLine().endsWith("429 Too Many Requests")) {
                        refused = ws.body();
                        assertThat(ws.header("retry-after")).isEqualTo("1");
                    }
                }
            }
            assertThat(refused).isEqualTo("too many new connections from this address");
            assertThat(metrics(node)).contains("switchboard_upgrades_refused_total{reason=\"connection_rate\"}");
        }
    }

    @Test
    void aGrpcStreamOverItsBudgetIsThrottledThenEnded() throws Exception {
        var config = TestNodes.config().set(NodeOptions.MESSAGE_RATE, 50).set(NodeOptions.MESSAGE_BURST, 50)
                .set(NodeOptions.THROTTLE_LIMIT, Duration.ofSeconds(1)).build();
        try (Switchboard node = TestNodes.start(config)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            try {
                GrpcSide<WorkerRtcMessage> side = new GrpcSide<>();
                StreamObserver<WorkerRtcMessage> out = WorkerServiceGrpc.newStub(channel).negotiatePeerConnection(side);
                WorkerRtcMessage ping = WorkerRtcMessage.newBuilder().setWorkerMachineId(77).setEvent(RtcEvent.PING)
                        .setMessage(ByteString.EMPTY).build();
                for (int i = 0; i < 5000; i++) {
                    out.onNext(ping);
                }
                Status status = side.ended.get(2, TimeUnit.MINUTES);
                assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(status.getDescription()).isEqualTo("message rate exceeded");
                assertThat(side.received.size()).as("answered only what the budget let through").isLessThan(5000);
                assertThat(metrics(node)).contains("switchboard_refused_total{dialect=\"grpc\",reason=\"throttled\"}");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
