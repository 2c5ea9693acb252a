package dev.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.support.Nginx;
import dev.switchboard.support.NodeScript;
import dev.switchboard.support.ProjectFiles;
import dev.switchboard.support.Tokens;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RawUpgrade;
import dev.switchboard.testkit.RedisClusterServer;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The README's examples, run: each fenced block says on the line before it whether it runs here and by which
 * runner below, or why not ({@link ReadmeExample}), so none is skipped without a word. Commands run as written,
 * through bash from the repository's root ({@code ./switchboard serve …} builds and starts the real jar), with
 * only their addresses changed ({@link ExampleAddresses}), each node bound to loopback and given
 * {@code JAVA_OPTS=-Xmx256m} through the environment; a port an example leaves at its default comes through the
 * environment too (PORT, SWITCHBOARD_GRPC_PORT). Every process is ended by its own PID.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadmeExamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = ProjectFiles.root();

    /** The runners whose blocks are browser code: run together in one Chromium run. */
    private static final List<String> IN_CHROMIUM =
            List.of("y-webrtc-client", "named-peer-client", "rendezvous-client", "radix-client", "peerjs-client");

    private final Map<String, Runner> runners = new LinkedHashMap<>();
    private final ReadmeBrowserRun browser;
    private final List<AutoCloseable> cluster = new ArrayList<>();
    private ExampleAddresses clusterAddresses;
    private Path files;

    @FunctionalInterface
    interface Runner {
        void run(ReadmeExample example, ExampleAddresses addresses) throws Exception;
    }

    ReadmeExamplesTest() throws IOException {
        files = Files.createTempDirectory("switchboard-readme");
        browser = new ReadmeBrowserRun(files);
        runners.put("quick-start", this::quickStart);
        runners.put("y-webrtc-client", this::yWebrtcClient);
        runners.put("y-webrtc-transcript", this::yWebrtcTranscript);
        runners.put("named-peer-client", this::namedPeerClient);
        runners.put("rendezvous-client", this::rendezvousClient);
        runners.put("radix-client", this::radixClient);
        runners.put("peerjs-client", this::peerJsClient);
        runners.put("grpc-java-client", this::grpcJavaClient);
        runners.put("grpcurl", this::grpcurl);
        runners.put("health", this::health);
        runners.put("ops-port", this::opsPort);
        runners.put("allowed-origins", this::allowedOrigins);
        runners.put("trusted-proxies", this::trustedProxies);
        runners.put("auth", this::auth);
        runners.put("ice-servers", this::iceServers);
        runners.put("deployment", this::deployment);
        runners.put("nginx-location", this::nginxLocation);
        runners.put("cluster", this::clusterOnOneHost);
        runners.put("cluster-nginx", this::clusterBehindNginx);
        runners.put("redis-cluster", this::redisCluster);
    }

    private static List<ReadmeExample> examples() throws IOException {
        return ReadmeExample.parse(Files.readString(ROOT.resolve("README.md")));
    }

    @Test
    void everyExampleRunsOrSaysWhyNot() throws IOException {
        List<String> unmarked = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (ReadmeExample e : examples()) {
            if (e.name() == null && (e.reason() == null || e.reason().isBlank())) {
                unmarked.add("README.md:" + e.line());
            }
            if (e.name() != null) {
                named.add(e.name());
            }
        }
        assertThat(unmarked).as("blocks without <!-- example: NAME --> or <!-- example not run: REASON --> before them")
                .isEmpty();
        assertThat(named).as("each runner runs exactly one block").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(runners.keySet());
    }

    @TestFactory
    Stream<DynamicTest> theExamplesRun() throws IOException {
        examples().stream().filter(e -> e.name() != null && IN_CHROMIUM.contains(e.name())).forEach(browser::add);
        return examples().stream().filter(e -> e.name() != null && runners.containsKey(e.name()))
                .map(e -> DynamicTest.dynamicTest("README.md:" + e.line() + " " + e.name(),
                        () -> runners.get(e.name()).run(e, e.name().equals("cluster-nginx") ? clusterAddresses
                                : new ExampleAddresses(files))));
    }

    @AfterAll
    void stop() {
        closeCluster();
    }

    // --- the runners, in README order ---

    private void quickStart(ReadmeExample e, ExampleAddresses a) throws Exception {
        assertThat(e.commands()).containsExactly("./switchboard serve", "curl -s localhost:8080/health", "./switchboard test");
        try (Served node = Served.start(a, e.commands().get(0))) {
            assertThat(shell(a.apply(e.commands().get(1)))).startsWith("{\"status\":\"healthy\",\"clientCount\":0,");
            JsonNode health = JSON.readTree(Http.get(a.port(8080), "/health").body());
            assertThat(health.get("status").asText()).isEqualTo("healthy");
            assertThat(health.get("version").asText()).isEqualTo(Switchboard.VERSION);
            try (Socket grpc = new Socket("127.0.0.1", a.port(50051))) {
                assertThat(grpc.isConnected()).as("gRPC listens on its port").isTrue();
            }
        }
    }

    private void yWebrtcTranscript(ReadmeExample e, ExampleAddresses a) throws Exception {
        String sent = line(e, "→ ");
        String received = line(e, "← ");
        String topic = JSON.readTree(sent).get("topic").asText();
        try (Switchboard node = TestNodes.start();
             WsClient publisher = WsClient.connect(node.port(), "/");
             WsClient other = WsClient.connect(node.port(), "/")) {
            for (WsClient c : List.of(publisher, other)) {
                c.send("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> node.hub().roomCount() == 1);
            publisher.send(sent);
            assertThat(other.next()).isEqualTo(received);
            assertThat(publisher.next()).as("the sender too, as subscriber").isEqualTo(received);
        }
    }

    /** Two copies in two browsers sync the document over WebRTC: each inserted 'hello', both read it twice. */
    private void yWebrtcClient(ReadmeExample e, ExampleAddresses a) throws Exception {
        JsonNode r = browser.result(e.name());
        assertThat(r.get("connected").asBoolean()).isTrue();
        assertThat(r.get("textA").asText()).isEqualTo("hellohello");
        assertThat(r.get("textB").asText()).isEqualTo("hellohello");
        assertSignaledThroughTheNode("y-webrtc");
    }

    /** 'paris' (the snippet) offers to 'obs_paris' (logged in first, answering): the 'chat' channel opens. */
    private void namedPeerClient(ReadmeExample e, ExampleAddresses a) throws Exception {
        JsonNode r = browser.result(e.name());
        assertThat(r.get("connectionState").asText()).isEqualTo("connected");
        assertThat(r.get("channel").asText()).isEqualTo("chat");
        assertThat(r.get("counterpart")).extracting(JsonNode::asText).contains("login_success", "peer_connected", "offer");
        assertSignaledThroughTheNode("named-peer");
    }

    /** Two copies in one room: the second is welcomed with the first (signed, so verified), the first told of the second. */
    private void rendezvousClient(ReadmeExample e, ExampleAddresses a) throws Exception {
        JsonNode r = browser.result(e.name());
        JsonNode first = message(r.get("first"), "type", "welcome");
        JsonNode second = message(r.get("second"), "type", "welcome");
        assertThat(first.get("peers")).isEmpty();
        assertThat(second.get("peers")).hasSize(1);
        assertThat(second.get("peers").get(0).get("id").asText()).isEqualTo(first.get("peerId").asText());
        assertThat(second.get("peers").get(0).get("verified").asBoolean()).as("the snippet signs").isTrue();
        assertThat(message(r.get("first"), "type", "peer-joined").get("peerId").asText())
                .isEqualTo(second.get("peerId").asText());
    }

    /** The snippet (the extension) seals a real offer for the wallet, which opens it; the node confirms the delivery. */
    private void radixClient(ReadmeExample e, ExampleAddresses a) throws Exception {
        JsonNode r = browser.result(e.name());
        JsonNode remoteData = message(r.get("wallet"), "info", "remoteData");
        assertThat(remoteData.get("data").get("method").asText()).isEqualTo("offer");
        assertThat(r.get("opened").get("sdp").asText()).as("the wallet opened the sealed offer")
                .startsWith("v=0").isEqualTo(r.get("offerSdp").asText());
        assertThat(message(r.get("extension"), "info", "confirmation").get("requestId").asText())
                .isEqualTo(remoteData.get("requestId").asText());
        assertSignaledThroughTheNode("radix");
    }

    /** 'alice' (the snippet, the real peerjs client) connects to 'bob' and says 'hi' over the data connection. */
    private void peerJsClient(ReadmeExample e, ExampleAddresses a) throws Exception {
        JsonNode r = browser.result(e.name());
        assertThat(r.get("alice").get("id").asText()).isEqualTo("alice");
        assertThat(r.get("bob").get("errors")).isEmpty();
        assertThat(r.get("bob").get("received")).extracting(JsonNode::asText).contains("hi");
        assertSignaledThroughTheNode("peerjs");
    }

    private void assertSignaledThroughTheNode(String dialect) {
        assertThat(browser.metrics()).containsPattern(
                "switchboard_messages_received_total\\{dialect=\"" + dialect + "\"\\} [1-9]");
    }

    private static JsonNode message(JsonNode messages, String key, String value) {
        for (JsonNode m : messages) {
            if (m.path(key).asText().equals(value)) {
                return m;
            }
        }
        throw new AssertionError("no message with " + key + " " + value + " in " + messages);
    }

    /**
     * The fragment in a method given {@code pc} (the application's peer connection, here one that hands on what it is
     * given) and {@code offerSdp}, with the imports it needs; worker 42 (grpc-java too) answers the offer it receives,
     * and the answer must reach {@code pc}.
     */
    private void grpcJavaClient(ReadmeExample e, ExampleAddresses a) throws Exception {
        String source = """
                import com.google.protobuf.ByteString;
                import dev.switchboard.grpc.proto.ClientRtcMessage;
                import dev.switchboard.grpc.proto.ClientServiceGrpc;
                import dev.switchboard.grpc.proto.RtcEvent;
                import io.grpc.ManagedChannel;
                import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
                import io.grpc.stub.StreamObserver;
                import java.util.function.Consumer;

                public class ReadmeGrpcClient {
                    interface PeerConnection {
                        void setRemoteDescription(String sdp);
                    }

                    public static ManagedChannel run(Consumer<String> application, String offerSdp) {
                        PeerConnection pc = application::accept;
                """ + a.apply(e.text()) + """
                        return channel;
                    }
                }
                """;
        Method run = JavaSnippet.compile(Files.createTempDirectory(files, "grpc-java"), "ReadmeGrpcClient", source)
                .getMethod("run", Consumer.class, String.class);
        try (Switchboard node = TestNodes.start(TestNodes.config().grpcPort(a.port(50051)).build())) {
            ManagedChannel workerChannel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            ManagedChannel clientChannel = null;
            try {
                GrpcSide<WorkerRtcMessage> worker = new GrpcSide<>();
                StreamObserver<WorkerRtcMessage> toWorker = WorkerServiceGrpc.newStub(workerChannel).negotiatePeerConnection(worker);
                toWorker.onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(42).setEvent(RtcEvent.PING).build());
                assertThat(worker.next().getEvent()).as("registered: the server answers PING").isEqualTo(RtcEvent.PING);
                BlockingQueue<String> answers = new LinkedBlockingQueue<>();
                clientChannel = (ManagedChannel) run.invoke(null, (Consumer<String>) answers::add, "v=0 offer");
                WorkerRtcMessage offer = worker.next();
                assertThat(offer.getEvent()).isEqualTo(RtcEvent.OFFER);
                assertThat(offer.getMessage().toStringUtf8()).isEqualTo("v=0 offer");
                toWorker.onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(42).setEvent(RtcEvent.ANSWER)
                        .setClientId(offer.getClientId()).setMessage(ByteString.copyFromUtf8("v=0 answer")).build());
                assertThat(answers.poll(30, TimeUnit.SECONDS)).as("the answer reached pc").isEqualTo("v=0 answer");
                toWorker.onCompleted();
            } finally {
                if (clientChannel != null) {
                    clientChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
                workerChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private static final Pattern ECHO = Pattern.compile("echo '([^']*)'");
    private static final Pattern METHOD = Pattern.compile("localhost:50051 (\\S+)$");
    private static final Pattern PROTO = Pattern.compile("-import-path (\\S+) -proto (\\S+)");

    /** grpcurl cannot be installed here: the same proto, methods and messages through @grpc/grpc-js (the README says so). */
    private void grpcurl(ReadmeExample e, ExampleAddresses a) throws Exception {
        List<String> commands = e.commands();
        assertThat(commands).hasSize(3);
        assertThat(commands.get(0)).startsWith("grpcurl ").endsWith(" localhost:50051 list");
        Matcher proto = PROTO.matcher(commands.get(0));
        assertThat(proto.find()).isTrue();
        Map<String, Object> steps = new LinkedHashMap<>();
        steps.put("importPath", proto.group(1));
        steps.put("proto", proto.group(2));
        for (int i = 1; i <= 2; i++) {
            String command = commands.get(i);
            assertThat(command).contains("; cat) | grpcurl -plaintext -emit-defaults -d @ ")
                    .contains("-import-path " + proto.group(1) + " -proto " + proto.group(2));
            Matcher echo = ECHO.matcher(command);
            Matcher method = METHOD.matcher(command);
            assertThat(echo.find() && method.find()).as(command).isTrue();
            steps.put(i == 1 ? "worker" : "client", Map.of("method", method.group(1), "message", echo.group(1)));
        }
        try (Switchboard node = TestNodes.start()) {
            steps.put("port", node.grpcPort());
            NodeScript.Result r = NodeScript.run("src/test/grpc-node", "grpcurl-steps.mjs", 60, JSON.writeValueAsString(steps));
            assertThat(r.exitCode()).as(r.describe()).isZero();
            // what the README says the commands print
            assertThat(r.json().get("services")).extracting(JsonNode::asText)
                    .containsExactly("switchboard.rtc.v1.ClientService", "switchboard.rtc.v1.WorkerService");
            JsonNode offer = r.json().get("offer");
            assertThat(Files.readString(ROOT.resolve("README.md")))
                    .contains("`{\"workerMachineId\": \"42\", \"event\": \"OFFER\", \"message\": \"dj0w\",\n\"clientId\": \"…\"}`");
            assertThat(offer.get("workerMachineId").asText()).isEqualTo("42");
            assertThat(offer.get("event").asText()).isEqualTo("OFFER");
            assertThat(offer.get("message").asText()).isEqualTo("dj0w");
            assertThat(offer.get("clientId").asText()).isNotEmpty();
            JsonNode answer = r.json().get("answer");
            assertThat(answer.get("event").asText()).isEqualTo("ANSWER");
            assertThat(answer.get("clientId").asText()).isEqualTo(offer.get("clientId").asText());
        }
    }

    /** The example has the members a live /health has, in the same order (cluster's too). */
    private void health(ReadmeExample e, ExampleAddresses a) throws Exception {
        JsonNode example = JSON.readTree(e.text());
        try (Switchboard node = TestNodes.start()) {
            JsonNode live = JSON.readTree(Http.get(node.port(), "/health").body());
            assertThat(names(example)).isEqualTo(names(live));
            assertThat(names(example.get("cluster"))).isEqualTo(names(live.get("cluster")));
            for (Iterator<String> it = live.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                assertThat(example.get(name).getNodeType()).as(name).isEqualTo(live.get(name).getNodeType());
            }
        }
    }

    private void opsPort(ReadmeExample e, ExampleAddresses a) throws Exception {
        try (Served node = Served.start(a, single(e))) {
            assertThat(Http.get(a.port(9090), "/metrics").body()).contains("switchboard_websockets");
            assertThat(Http.get(a.port(8080), "/metrics").body()).isEqualTo("okay");
        }
    }

    private void allowedOrigins(ReadmeExample e, ExampleAddresses a) throws Exception {
        try (Served node = Served.start(a, single(e))) {
            assertThat(upgradeStatus(a.port(8080), "/", "Origin: https://app.example.com")).contains(" 101 ");
            assertThat(upgradeStatus(a.port(8080), "/", "Origin: https://eu.app.example.org")).contains(" 101 ");
            assertThat(upgradeStatus(a.port(8080), "/", "Origin: https://app.example.net")).contains(" 403 ");
        }
    }

    /** With --proxy-protocol every connection starts with a PROXY header; one without it gets no answer. */
    private void trustedProxies(ReadmeExample e, ExampleAddresses a) throws Exception {
        try (Served node = Served.start(a, single(e))) {
            byte[] proxy = ("PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + a.port(8080) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try (RawUpgrade withHeader = RawUpgrade.open(a.port(8080), "/", proxy)) {
                assertThat(withHeader.statusLine()).contains(" 101 ");
            }
            String without;
            try (RawUpgrade u = RawUpgrade.open(a.port(8080), "/")) {
                without = u.statusLine();
            } catch (IOException closedOrSilent) {
                without = closedOrSilent.toString();
            }
            assertThat(without).doesNotContain(" 101 ");
        }
    }

    private void auth(ReadmeExample e, ExampleAddresses a) throws Exception {
        Tokens.Made tokens = new Tokens().key("k1", "RS256")
                .token("good", "RS256", "k1", Map.of("sub", "alice", "iss", "https://login.example.com",
                        "aud", "switchboard", "exp", Tokens.in(3600)))
                .token("other-issuer", "RS256", "k1", Map.of("sub", "alice", "iss", "https://else.example.com",
                        "aud", "switchboard", "exp", Tokens.in(3600)))
                .make();
        Files.writeString(files.resolve("jwks.json"), tokens.jwks());
        try (Served node = Served.start(a, single(e))) {
            int port = a.port(8080);
            assertThat(upgradeStatus(port, "/")).contains(" 401 ");
            assertThat(upgradeStatus(port, "/?token=" + tokens.token("good"))).contains(" 101 ");
            assertThat(upgradeStatus(port, "/?token=" + tokens.token("other-issuer"))).contains(" 401 ");
            assertThat(upgradeStatus(port, "/" + "ab".repeat(32) + "?target=wallet&source=extension"))
                    .as("radix=off").contains(" 101 ");
        }
    }

    private void iceServers(ReadmeExample e, ExampleAddresses a) throws Exception {
        Files.writeString(files.resolve("turn-secret"), "a TURN static-auth-secret for the README example");
        try (Served node = Served.start(a, single(e))) {
            JsonNode answer = JSON.readTree(Http.get(a.port(8080), "/ice-servers").body());
            assertThat(answer.get("ttl").asInt()).isEqualTo(3600);
            assertThat(answer.get("iceServers").toString()).contains("stun:turn.example.com:3478")
                    .contains("turn:turn.example.com:3478?transport=udp");
            JsonNode turn = answer.get("iceServers").get(1);
            assertThat(turn.get("username").asText()).matches("\\d+:.*");
            assertThat(turn.get("credential").asText()).isNotEmpty();
        }
    }

    private void deployment(ReadmeExample e, ExampleAddresses a) throws Exception {
        List<String> commands = e.commands();
        assertThat(commands).hasSize(3);
        assertThat(commands.get(0)).isEqualTo("mvn -B -DskipTests package");
        assertThat(ROOT.resolve("target/switchboard.jar")).isRegularFile();
        try (Served node = Served.start(a, commands.get(1) + "\n" + commands.get(2))) {
            assertThat(node.log().lines().filter(l -> !l.isBlank()).findFirst().orElseThrow()).startsWith("{\"timestamp\":");
            long heap = 0;
            for (String line : Http.get(a.port(8080), "/metrics").body().split("\n")) {
                if (line.startsWith("jvm_memory_max_bytes{area=\"heap\"")) {
                    heap += Math.max(0, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                }
            }
            assertThat(heap).as("-Xmx512m applied").isPositive().isLessThanOrEqualTo(512L << 20);
        }
    }

    /** The location block in a server of its own, in front of a node on the port it names. */
    private void nginxLocation(ReadmeExample e, ExampleAddresses a) throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().port(a.port(8080)).build());
             Nginx nginx = Nginx.start("server {\n    listen 127.0.0.1:{{port}};\n" + a.apply(e.text()) + "}\n");
             WsClient client = WsClient.connect(nginx.port(), "/")) {
            client.send("{\"type\":\"ping\"}");
            assertThat(client.next()).isEqualTo("{\"type\":\"pong\"}");
            assertThat(node.clientCount()).isEqualTo(1);
        }
    }

    /** Three nodes on one host over a real redis-server; they stay up for the nginx example that follows. */
    private void clusterOnOneHost(ReadmeExample e, ExampleAddresses a) throws Exception {
        RedisServer redis = RedisServer.start();
        cluster.add(redis);
        a.bind(6379, redis.port());
        clusterAddresses = a;
        assertThat(e.commands()).hasSize(3);
        List<Served> nodes = new ArrayList<>();
        for (String command : e.commands()) {
            nodes.add(Served.launch(a, command)); // as in three terminals: all at once
        }
        cluster.addAll(nodes);
        for (Served node : nodes) {
            node.awaitReady();
        }
        for (int port : List.of(8081, 8082, 8083)) {
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    JSON.readTree(Http.get(a.port(port), "/health").body()).get("cluster").get("nodes").asInt() == 3);
        }
    }

    private static final Pattern UPSTREAM_HOST = Pattern.compile("server 10\\.0\\.0\\.\\d+:8080");

    /**
     * The cluster's nginx example in front of the cluster example's nodes: its three hosts become those three
     * nodes, in order, and its TLS listener a plain one on loopback (the test has no certificate).
     */
    private void clusterBehindNginx(ReadmeExample e, ExampleAddresses a) throws Exception {
        assertThat(a).as("the cluster example ran first").isNotNull();
        try {
            Matcher m = UPSTREAM_HOST.matcher(e.text());
            StringBuilder config = new StringBuilder();
            Iterator<Integer> nodes = List.of(8081, 8082, 8083).iterator();
            while (m.find()) {
                m.appendReplacement(config, "server 127.0.0.1:" + a.port(nodes.next()));
            }
            assertThat(nodes.hasNext()).as("three upstream servers").isFalse();
            String server = m.appendTail(config).toString();
            assertThat(server).contains("listen 443 ssl;");
            try (Nginx nginx = Nginx.start(server.replace("listen 443 ssl;", "listen 127.0.0.1:{{port}};"))) {
                List<WsClient> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) {
                        WsClient c = WsClient.connect(nginx.port(), "/");
                        c.send("{\"type\":\"subscribe\",\"topics\":[\"readme\"]}");
                        clients.add(c);
                    }
                    for (int port : List.of(8081, 8082, 8083)) {
                        await().atMost(Duration.ofSeconds(20)).until(() ->
                                JSON.readTree(Http.get(a.port(port), "/health").body()).get("clientCount").asInt() == 1);
                    }
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        String nonce = UUID.randomUUID().toString();
                        clients.get(0).send("{\"type\":\"publish\",\"topic\":\"readme\",\"n\":\"" + nonce + "\"}");
                        for (WsClient c : clients) {
                            String got = null;
                            for (WsClient.Message msg; (msg = c.poll(Duration.ofSeconds(2))) != null && got == null; ) {
                                got = msg.text().contains(nonce) ? msg.text() : null;
                            }
                            assertThat(got).endsWith(",\"clients\":3}");
                        }
                    });
                } finally {
                    clients.forEach(WsClient::close);
                }
            }
        } finally {
            closeCluster();
        }
    }

    private static final Pattern REDIS_HOST = Pattern.compile("redis://10\\.0\\.0\\.\\d+:6379");

    /** A Redis Cluster of three masters (real redis-server processes) in place of the example's three hosts. */
    private void redisCluster(ReadmeExample e, ExampleAddresses a) throws Exception {
        try (RedisClusterServer redis = RedisClusterServer.start(3)) {
            Matcher m = REDIS_HOST.matcher(single(e));
            StringBuilder command = new StringBuilder();
            Iterator<String> seeds = List.of(redis.uris().split(",")).iterator();
            while (m.find()) {
                m.appendReplacement(command, seeds.next());
            }
            assertThat(seeds.hasNext()).isFalse();
            try (Served node = Served.start(a, m.appendTail(command).toString())) {
                JsonNode health = JSON.readTree(Http.get(a.port(8080), "/health").body());
                assertThat(health.get("cluster").get("connected").asBoolean()).isTrue();
                assertThat(Http.get(a.port(8080), "/ready").statusCode()).isEqualTo(200);
            }
        }
    }

    // --- helpers ---

    private void closeCluster() {
        for (int i = cluster.size() - 1; i >= 0; i--) {
            try {
                cluster.get(i).close();
            } catch (Exception ignored) {
                // the others are closed anyway
            }
        }
        cluster.clear();
    }

    private static String single(ReadmeExample e) {
        assertThat(e.commands()).hasSize(1);
        return e.commands().get(0);
    }

    private static String line(ReadmeExample e, String prefix) {
        return e.text().lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length());
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Runs a short command through bash from the repository's root; returns its standard output. */
    private static String shell(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(command + ": " + out).isZero();
        return out;
    }

    private static String upgradeStatus(int port, String target, String... headers) throws IOException {
        try (RawUpgrade u = RawUpgrade.open(port, target, new byte[0], headers)) {
            return u.statusLine() + " ";
        }
    }

    /** A README command (or short script whose last line is the command) run by bash, its process the node's. */
    static final class Served implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final String command;

        private Served(Process process, Path log, String command) {
            this.process = process;
            this.log = log;
            this.command = command;
        }

        /** Returns once the node says it is ready. */
        static Served start(ExampleAddresses a, String script) throws IOException {
            return launch(a, script).awaitReady();
        }

        /** Starts the command and returns at once. */
        static Served launch(ExampleAddresses a, String script) throws IOException {
            String command = a.apply(script);
            int last = command.lastIndexOf('\n') + 1;
            // exec: bash becomes the launcher, which becomes java, so the PID is the node's
            // (after the command's own variable assignments, which exec passes on)
            command = command.substring(0, last) + command.substring(last).replaceFirst("^((?:[A-Z_]+=\\S+\\s+)*)", "$1exec ");
            Path log = Files.createTempFile("switchboard-readme-node", ".log");
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(ROOT.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("SWITCHBOARD_HOST", "127.0.0.1");
            pb.environment().put("PORT", Integer.toString(a.port(8080)));
            pb.environment().put("SWITCHBOARD_GRPC_PORT", Integer.toString(a.port(50051)));
            pb.environment().put("JAVA_OPTS", "-Xmx256m");
            return new Served(pb.start(), log, command);
        }

        Served awaitReady() {
            Served served = this;
            try {
                // long: when the sources are newer than the jar, the launcher builds it first
                await().atMost(Duration.ofMinutes(10)).until(() -> !served.process.isAlive()
                        || served.log().contains(" ready on port "));
                assertThat(served.process.isAlive()).as(command + "\n" + served.log()).isTrue();
            } catch (RuntimeException | AssertionError e) {
                served.close();
                throw e;
            }
            return this;
        }

        String log() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** SIGTERM to the node's PID, then SIGKILL if it has not drained. */
        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
