package dev.switchboard.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.NodeStartException;
import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.config.OptionException;
import dev.switchboard.grpc.proto.RtcEvent;
import dev.switchboard.grpc.proto.WorkerRtcMessage;
import dev.switchboard.grpc.proto.WorkerServiceGrpc;
import dev.switchboard.testkit.GrpcSide;
import dev.switchboard.testkit.TestCa;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS on the node's ports with real clients on real sockets: wss:// and https:// on the public port with either
 * provider, a certificate replaced under open connections, mutual TLS on the ops and gRPC ports, TLS 1.2 as the
 * floor, and the one-line refusals of files that cannot serve.
 */
class TlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private SwitchboardConfig.Builder tlsConfig(TestCa.Issued server) {
        return TestNodes.config().tls(server.certFile().toString(), server.keyFile().toString());
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void wssRelaysAndHealthSaysWhichProviderServes(TlsProvider provider) throws Exception {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued server = ca.issueServer("node");
        try (Switchboard node = TestNodes.start(tlsConfig(server).tlsProvider(provider).build());
             WsClient a = WsClient.connectTls(node.port(), "/", ca.clientContext(null));
             WsClient b = WsClient.connectTls(node.port(), "/", ca.clientContext(null))) {
            a.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
            b.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
            await().untilAsserted(() -> assertThat(node.hub().roomCount()).isEqualTo(1));
            relays(a, b, "over-tls");

            HttpResponse<String> health = ca.httpClient().send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + node.port() + "/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode tls = JSON.readTree(health.body()).get("tls");
            assertThat(tls.get("enabled").asBoolean()).isTrue();
            assertThat(tls.get("provider").asText()).startsWith(provider == TlsProvider.JDK ? "jdk" : "openssl");
            assertThat(tls.get("certificate").asText()).isEqualTo("CN=node");

            // a plaintext request to the TLS port gets no answer but a closed connection, and is counted
            assertThatThrownBy(() -> WsClient.connect(node.port(), "/")).isInstanceOf(IllegalStateException.class);
            await().untilAsserted(() -> assertThat(node.metrics().scrape())
                    .contains("switchboard_tls_handshakes_total{result=\"failed\"} 1.0")
                    .contains("switchboard_tls_handshakes_total{result=\"ok\"} 3.0"));
        }
    }

    @Test
    void healthSaysTlsIsOffOnAPlaintextNode() throws Exception {
        try (Switchboard node = TestNodes.start()) {
            JsonNode health = JSON.readTree(dev.switchboard.testkit.Http.get(node.port(), "/health").body());
            assertThat(health.get("tls").get("enabled").asBoolean()).isFalse();
        }
    }

    @Test
    void aReplacedCertificateServesNewConnectionsWhileOpenOnesKeepRelaying() throws Exception {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued first = ca.issueServer("node");
        try (Switchboard node = TestNodes.start(tlsConfig(first).build());
             WsClient old = WsClient.connectTls(node.port(), "/", ca.clientContext(null))) {
            assertThat(old.peerCertificate()).isEqualTo(first.certificate());
            old.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");

            TestCa.Issued second = ca.issueServer("node"); // same files, a new key and certificate
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (WsClient probe = WsClient.connectTls(node.port(), "/", ca.clientContext(null))) {
                    assertThat(probe.peerCertificate()).isEqualTo(second.certificate());
                }
            });
            try (WsClient fresh = WsClient.connectTls(node.port(), "/", ca.clientContext(null))) {
                assertThat(fresh.peerCertificate()).isEqualTo(second.certificate());
                fresh.send("{\"type\":\"subscribe\",\"topics\":[\"room\"]}");
                await().untilAsserted(() -> assertThat(node.hub().roomCount()).isEqualTo(1));
                relays(old, fresh, "after-reload");
                assertThat(old.isOpen()).isTrue();
                assertThat(old.peerCertificate()).as("the open connection keeps its handshake")
                        .isEqualTo(first.certificate());
            }
        }
    }

    @Test
    void aBrokenReplacementIsRefusedAndThePreviousCertificateStays() throws Exception {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued server = ca.issueServer("node");
        TestCa.Issued other = ca.issueServer("other");
        try (Switchboard node = TestNodes.start(tlsConfig(server).build())) {
            Files.copy(other.keyFile(), server.keyFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            // the watcher has looked at the mismatched pair once it has had two checks' time; then it still serves
            await().pollDelay(Duration.ofMillis(2500)).untilAsserted(() -> {
                try (WsClient c = WsClient.connectTls(node.port(), "/", ca.clientContext(null))) {
                    assertThat(c.peerCertificate()).isEqualTo(server.certificate());
                }
            });
        }
    }

    @Test
    void theOpsPortAndGrpcRequireAClientCertificateWithTlsClientCa() throws Exception {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued server = ca.issueServer("node");
        TestCa.Issued client = ca.issueClient("service");
        TestCa stranger = TestCa.create(dir, "stranger");
        TestCa.Issued strangerClient = stranger.issueClient("intruder");
        try (Switchboard node = TestNodes.start(tlsConfig(server).opsPort(0)
                .tlsClientCa(ca.certFile().toString()).build())) {
            // ops port: without a client certificate the handshake fails; with one, /health answers
            assertThatThrownBy(() -> ca.httpClient().send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + node.opsPort() + "/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
            assertThat(opsHealth(ca, client, node.opsPort())).isEqualTo(200);
            assertThatThrownBy(() -> opsHealth(ca, strangerClient, node.opsPort()))
                    .isInstanceOf(java.io.IOException.class);

            // the public port never asks a browser for a certificate
            try (WsClient browserLike = WsClient.connectTls(node.port(), "/", ca.clientContext(null))) {
                assertThat(browserLike.isOpen()).isTrue();
            }

            // gRPC: refused without, a PING answered with
            assertThat(grpcPing(ca, null, node.grpcPort()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(grpcPing(ca, client, node.grpcPort()).getCode()).isEqualTo(Status.Code.OK);
        }
    }

    @Test
    void tls11IsRefusedAndTls12Served() throws Exception {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued server = ca.issueServer("node");
        try (Switchboard node = TestNodes.start(tlsConfig(server).build())) {
            javax.net.ssl.SSLContext trusting = javax.net.ssl.SSLContext.getInstance("TLS");
            trusting.init(null, trustManagers(ca), null);
            SSLSocketFactory sockets = trusting.getSocketFactory();
            try (SSLSocket s = (SSLSocket) sockets.createSocket("127.0.0.1", node.port())) {
                s.setEnabledProtocols(new String[] {"TLSv1.2"});
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(s.getSession().getCipherSuite()).startsWith("TLS_ECDHE_ECDSA_WITH_");
            }
            try (SSLSocket s = (SSLSocket) sockets.createSocket("127.0.0.1", node.port())) {
                s.setEnabledProtocols(new String[] {"TLSv1.2"});
                s.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
                assertThatThrownBy(s::startHandshake).as("CBC suites are not served")
                        .isInstanceOf(SSLHandshakeException.class);
            }
        }
    }

    @Test
    void filesThatCannotServeAreRefusedInOneLineNamingTheOption() throws Exception {
        TestCa ca = TestCa.create(dir, "test");
        TestCa.Issued server = ca.issueServer("node");
        TestCa.Issued other = ca.issueServer("other");
        assertThatThrownBy(() -> TestNodes.config().tls(dir.resolve("missing.crt").toString(),
                server.keyFile().toString())).isInstanceOf(OptionException.class)
                .hasMessageStartingWith("--tls-cert").hasMessageContaining("a readable file");
        assertThatThrownBy(() -> TestNodes.config().set(NodeOptions.TLS_CERT, server.certFile().toString()).build())
                .hasMessage("--tls-cert and --tls-key go together: the certificate chain and its private key");
        assertThatThrownBy(() -> TestNodes.start(TestNodes.config().tls(server.certFile().toString(),
                other.keyFile().toString()).build()))
                .isInstanceOf(NodeStartException.class)
                .hasMessage("--tls-key " + other.keyFile() + ": the key is not the key of the certificate in "
                        + server.certFile());
        Path notACertificate = Files.copy(server.keyFile(), dir.resolve("key-as.crt"));
        assertThatThrownBy(() -> TestNodes.start(TestNodes.config().tls(notACertificate.toString(),
                server.keyFile().toString()).build()))
                .isInstanceOf(NodeStartException.class).hasMessageStartingWith("--tls-cert " + notACertificate
                        + ": no PEM certificate in");
    }

    private static void relays(WsClient from, WsClient to, String marker) {
        from.send("{\"type\":\"publish\",\"topic\":\"room\",\"data\":\"" + marker + "\"}");
        assertThat(to.next()).contains(marker);
        to.send("{\"type\":\"publish\",\"topic\":\"room\",\"data\":\"" + marker + "-back\"}");
        await().untilAsserted(() -> assertThat(drainUntil(from, marker + "-back")).isTrue());
    }

    private static boolean drainUntil(WsClient client, String marker) {
        for (WsClient.Message m; (m = client.poll(Duration.ofMillis(200))) != null; ) {
            if (m.text().contains(marker)) {
                return true;
            }
        }
        return false;
    }

    private static javax.net.ssl.TrustManager[] trustManagers(TestCa ca) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", ca.certificate());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    private static int opsHealth(TestCa ca, TestCa.Issued client, int port) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        TlsIdentity id = TlsIdentity.read(client.certFile(), client.keyFile());
        ks.setKeyEntry("client", id.key(), new char[0], id.chain());
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), trustManagers(ca), null);
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** A worker's PING on a TLS channel: OK when answered, else how the call ended. */
    private static Status grpcPing(TestCa ca, TestCa.Issued client, int port) throws Exception {
        SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(ca.certFile().toFile());
        if (client != null) {
            tls.keyManager(client.certFile().toFile(), client.keyFile().toFile());
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", port).sslContext(tls.build()).build();
        try {
            GrpcSide<WorkerRtcMessage> side = new GrpcSide<>();
            StreamObserver<WorkerRtcMessage> out = WorkerServiceGrpc.newStub(channel).negotiatePeerConnection(side);
            out.onNext(WorkerRtcMessage.newBuilder().setWorkerMachineId(41).setEvent(RtcEvent.PING).build());
            WorkerRtcMessage answer = side.received.poll(10, TimeUnit.SECONDS);
            if (answer != null && answer.getEvent() == RtcEvent.PING) {
                out.onCompleted();
                return Status.OK;
            }
            return side.ended.get(10, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
