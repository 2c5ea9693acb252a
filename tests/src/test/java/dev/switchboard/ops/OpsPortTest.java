package dev.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.Switchboard;
import dev.switchboard.app.Main;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.TestNodes;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code --ops-port}: /health, /ready and /metrics on a listener of their own, over real sockets. */
class OpsPortTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void withAnOpsPortMetricsAreServedThereAndNoLongerOnThePublicPort() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().opsPort(0).build())) {
            int ops = node.opsPort();
            assertThat(ops).isPositive().isNotEqualTo(node.port());

            HttpResponse<String> metrics = Http.get(ops, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            assertThat(metrics.body()).contains("switchboard_websockets", "jvm_memory_used_bytes");
            assertThat(Http.get(ops, "/health").statusCode()).isEqualTo(200);
            assertThat(mapper.readTree(Http.get(ops, "/ready").body()).get("ready").asBoolean()).isTrue();
            HttpResponse<String> elsewhere = Http.get(ops, "/");
            assertThat(elsewhere.statusCode()).isEqualTo(404); // the ops port is no y-webrtc server

            // the public port answers /metrics as any other plain path; load balancers still probe it
            HttpResponse<String> publicMetrics = Http.get(node.port(), "/metrics");
            assertThat(publicMetrics.statusCode()).isEqualTo(200);
            assertThat(publicMetrics.body()).isEqualTo("okay");
            assertThat(mapper.readTree(Http.get(node.port(), "/health").body()).get("status").asText())
                    .isEqualTo("healthy");
            assertThat(Http.get(node.port(), "/ready").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutAnOpsPortEverythingStaysOnThePublicPort() {
        try (Switchboard node = TestNodes.start()) {
            assertThat(node.opsPort()).isEqualTo(-1);
            HttpResponse<String> metrics = Http.get(node.port(), "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("switchboard_websockets", "jvm_memory_used_bytes");
            assertThat(Http.get(node.port(), "/health").statusCode()).isEqualTo(200);
            assertThat(Http.get(node.port(), "/other").body()).isEqualTo("okay");
        }
    }

    /**
     * An upgrade request is answered as a plain one: no WebSocket starts on the ops port. Pipelined requests come
     * back in order (PlainHttpHandlerTest holds the first reply back to prove it).
     */
    @Test
    void pipelinedRequestsAreAnsweredInOrderAndNoUpgradeHappens() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().opsPort(0).build());
             Socket socket = new Socket("127.0.0.1", node.opsPort())) {
            socket.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertThat(response(in)).startsWith("HTTP/1.1 200 OK").contains("switchboard_websockets");
            assertThat(response(in)).startsWith("HTTP/1.1 200 OK").contains("\"status\":\"healthy\"");
            assertThat(response(in)).startsWith("HTTP/1.1 404 Not Found").endsWith("not found");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    /** One HTTP response with a Content-Length: its status line, headers and body. */
    private static String response(DataInputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("response so far: %s", head).isNotNegative();
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        assertThat(length.find()).as(head.toString()).isTrue();
        byte[] body = new byte[Integer.parseInt(length.group(1))];
        in.readFully(body);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    /** --ops-host puts the ops port on another address than --host: here 127.0.0.2 beside 127.0.0.1. */
    @Test
    void theOpsPortListensOnTheOpsHost() throws Exception {
        assumeTrue(bindable("127.0.0.2"), "this machine has no 127.0.0.2");
        try (Switchboard node = TestNodes.start(TestNodes.config().opsPort(0).opsHost("127.0.0.2").build())) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.2:" + node.opsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("switchboard_websockets");
            assertThat(refuses(node.opsPort())).as("nothing on 127.0.0.1 at the ops port").isTrue();
        }
    }

    /** The command as a user runs it: one line on standard error naming --ops-port, and exit code 3. */
    @Test
    void anOpsPortInUseStopsTheStartWithOneLineAndExitCodeThree() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            File err = File.createTempFile("switchboard-ops-port", ".err");
            err.deleteOnExit();
            Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "-1",
                    "--ops-port", Integer.toString(port))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err).start();
            assertThat(process.waitFor()).isEqualTo(3);
            assertThat(Files.readAllLines(err.toPath())).containsExactly("switchboard serve: cannot start: --ops-port "
                    + port + ": 127.0.0.1:" + port + " is already in use");
        }
    }

    /** A graceful shutdown closes the ops port last: until then /ready answers 503 there. */
    @Test
    void whileTheNodeDrainsTheOpsPortAnswers503OnReady() throws Exception {
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Switchboard node = Switchboard.start(TestNodes.config().opsPort(0).build(),
                heldOnClose(new InMemoryBus("held"), closing, release));
        int ops = node.opsPort();
        int pub = node.port();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(node::close);
        try {
            closing.await(); // the node is draining: it stopped accepting and is leaving the cluster
            HttpResponse<String> ready = Http.get(ops, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(mapper.readTree(ready.body()).get("reason").asText()).isEqualTo("draining");
            assertThat(mapper.readTree(Http.get(ops, "/health").body()).get("status").asText()).isEqualTo("draining");
            assertThat(refuses(pub)).as("the public port no longer accepts").isTrue();
        } finally {
            release.countDown();
        }
        closed.join();
        assertThat(refuses(ops)).as("the ops port is closed once the node is").isTrue();
    }

    /** A bus whose close() waits for {@code release}, after counting down {@code closing}: a drain the test holds. */
    private static Bus heldOnClose(Bus bus, CountDownLatch closing, CountDownLatch release) {
        return (Bus) Proxy.newProxyInstance(Bus.class.getClassLoader(), new Class<?>[] {Bus.class}, (proxy, method, args) -> {
            if (method.getName().equals("close")) {
                closing.countDown();
                release.await();
            }
            try {
                return method.invoke(bus, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private static boolean refuses(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    private static boolean bindable(String address) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
