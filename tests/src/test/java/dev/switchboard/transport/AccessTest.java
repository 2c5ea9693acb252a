package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.Switchboard;
import dev.switchboard.support.HandshakeEcho;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.RawUpgrade;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Who may connect (origins) and who the node says is connecting (trusted proxies), over real sockets. */
class AccessTest {
    private static final String PUBLISH = "{\"type\":\"publish\",\"topic\":\"t\",\"data\":1}";

    @Test
    void anUpgradeFromAnOriginNotOnTheListIsRefusedWith403AndCounted() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config()
                .allowedOrigins("https://app.example.com, https://*.example.org").build());
             WsClient bystander = WsClient.connect(node.port(), "/")) {
            bystander.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
            try (RawUpgrade refused = RawUpgrade.open(node.port(), "/", new byte[0], "Origin: https://evil.example.net")) {
                assertThat(refused.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden");
                assertThat(refused.body()).isEqualTo("origin not allowed");
                assertThat(refused.endsCleanly()).isTrue();
            }
            for (String origin : new String[] {"https://app.example.com", "https://chat.example.org"}) {
                try (RawUpgrade allowed = RawUpgrade.open(node.port(), HandshakeEcho.PATH, new byte[0], "Origin: " + origin)) {
                    assertThat(allowed.statusLine()).isEqualTo("HTTP/1.1 101 Switching Protocols");
                    assertThat(allowed.nextFrame()).contains("origin=" + origin);
                }
            }
            try (RawUpgrade nativeClient = RawUpgrade.open(node.port(), HandshakeEcho.PATH)) {
                assertThat(nativeClient.statusLine()).as("no Origin: a native client").contains(" 101 ");
            }
            assertThat(Http.get(node.port(), "/metrics").body())
                    .contains("switchboard_upgrades_refused_total{reason=\"origin\"} 1.0");
            bystander.send(PUBLISH);
            assertThat(bystander.next()).contains("\"data\":1");
        }
    }

    @Test
    void requireOriginRefusesAnUpgradeWithoutOne() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().requireOrigin(true).build());
             RawUpgrade refused = RawUpgrade.open(node.port(), "/")) {
            assertThat(refused.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden");
            assertThat(Http.get(node.port(), "/health").statusCode()).as("plain HTTP is not checked").isEqualTo(200);
        }
    }

    @Test
    void forwardedForCountsOnlyFromATrustedProxy() throws Exception {
        try (Switchboard trusting = TestNodes.start(TestNodes.config().trustedProxies("127.0.0.1").build());
             Switchboard untrusting = TestNodes.start(TestNodes.config().trustedProxies("10.0.0.0/8").build());
             Switchboard plain = TestNodes.start()) {
            assertThat(echo(trusting, new byte[0], "X-Forwarded-For: 1.2.3.4, 203.0.113.9"))
                    .startsWith("client=203.0.113.9 remote=203.0.113.9 ");
            assertThat(echo(trusting, new byte[0], "X-Forwarded-For: 1.2.3.4", "X-Forwarded-For: 127.0.0.1"))
                    .as("every header, read from the right").startsWith("client=1.2.3.4 ");
            assertThat(echo(untrusting, new byte[0], "X-Forwarded-For: 203.0.113.9"))
                    .startsWith("client=127.0.0.1 remote=/127.0.0.1:");
            assertThat(echo(plain, new byte[0], "X-Forwarded-For: 203.0.113.9"))
                    .startsWith("client=127.0.0.1 remote=/127.0.0.1:");
        }
    }

    @Test
    void aProxyProtocolHeaderNamesTheClientInVersionOneAndTwo() throws Exception {
        try (Switchboard node = TestNodes.start(TestNodes.config().trustedProxies("127.0.0.1").proxyProtocol(true).build())) {
            byte[] v1 = "PROXY TCP4 203.0.113.9 127.0.0.1 40000 8080\r\n".getBytes(StandardCharsets.US_ASCII);
            assertThat(echo(node, v1)).startsWith("client=203.0.113.9 remote=203.0.113.9 ");
            assertThat(echo(node, v2("198.51.100.77"))).startsWith("client=198.51.100.77 ");
            assertThat(echo(node, "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII)))
                    .as("a header that names nobody").startsWith("client=127.0.0.1 ");
            // without the header the connection is refused before any HTTP
            try (RawUpgrade missing = RawUpgrade.open(node.port(), HandshakeEcho.PATH)) {
                assertThat(missing.statusLine()).isEmpty();
            }
        }
        try (Switchboard node = TestNodes.start(TestNodes.config().trustedProxies("10.0.0.0/8").proxyProtocol(true).build())) {
            assertThat(echo(node, v2("198.51.100.77"))).as("from a peer that is not a trusted proxy")
                    .startsWith("client=127.0.0.1 ");
        }
    }

    @Test
    void proxyProtocolWithoutTrustedProxiesIsRefusedAsConfiguration() {
        assertThatThrownBy(() -> TestNodes.config().proxyProtocol(true).build())
                .hasMessage("--proxy-protocol needs --trusted-proxies: the load balancers whose PROXY headers are believed");
    }

    private static String echo(Switchboard node, byte[] prefix, String... headers) throws Exception {
        try (RawUpgrade upgrade = RawUpgrade.open(node.port(), HandshakeEcho.PATH, prefix, headers)) {
            assertThat(upgrade.statusLine()).contains(" 101 ");
            String frame = upgrade.nextFrame();
            assertThat(frame).startsWith("1:");
            return frame.substring(2);
        }
    }

    /** A PROXY protocol v2 header (TCP over IPv4) naming {@code source}, encoded here from the specification. */
    private static byte[] v2(String source) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        out.write(0x21); // version 2, PROXY
        out.write(0x11); // TCP over IPv4
        ByteBuffer addresses = ByteBuffer.allocate(12);
        addresses.put(InetAddress.getByName(source).getAddress());
        addresses.put(InetAddress.getByName("127.0.0.1").getAddress());
        addresses.putShort((short) 40000).putShort((short) 8080);
        out.write(0);
        out.write(12);
        out.write(addresses.array());
        return out.toByteArray();
    }
}
