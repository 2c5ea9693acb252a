package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.NodeStartException;
import dev.switchboard.Switchboard;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestCa;
import dev.switchboard.testkit.TestNodes;
import dev.switchboard.testkit.WsClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster over rediss://: a real redis-server with its own TLS port (the installed 7.0 links OpenSSL), a
 * certificate from a test CA and an ACL user; the nodes trust that CA through --redis-tls-ca and log in as the user.
 */
class RedisTlsTest {
    @TempDir
    Path dir;

    @Test
    void twoNodesRelayOverTlsToRedisAsAnAclUser() {
        TestCa ca = TestCa.create(dir, "redis");
        try (RedisServer redis = RedisServer.startTls(ca.issueServer("redis"), "switchboard", "s3cret-pass")) {
            String uri = redis.tlsUri("switchboard", "s3cret-pass");
            try (Switchboard a = TestNodes.start(TestNodes.config().redisUri(uri)
                         .redisTlsCa(ca.certFile().toString()).build());
                 Switchboard b = TestNodes.start(TestNodes.config().redisUri(uri)
                         .redisTlsCa(ca.certFile().toString()).build());
                 WsClient left = WsClient.connect(a.port(), "/");
                 WsClient right = WsClient.connect(b.port(), "/")) {
                await().untilAsserted(() -> assertThat(a.bus().nodes()).isEqualTo(2));
                left.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
                right.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
                await().untilAsserted(() -> {
                    left.send("{\"type\":\"publish\",\"topic\":\"t\",\"n\":1}");
                    assertThat(right.next()).contains("\"clients\":2");
                });
                // the node's connections are the ACL user's, over the TLS port
                assertThat(redis.command("CLIENT", "LIST")).contains("user=switchboard");
            }
        }
    }

    @Test
    void aRedisCertificateFromAnUntrustedCaIsRefused() {
        TestCa ca = TestCa.create(dir, "redis");
        try (RedisServer redis = RedisServer.startTls(ca.issueServer("redis"), "switchboard", "s3cret-pass")) {
            // the JVM's trust store does not know the test CA
            assertThatThrownBy(() -> TestNodes.start(TestNodes.config()
                    .redisUri(redis.tlsUri("switchboard", "s3cret-pass")).build()))
                    .isInstanceOf(NodeStartException.class)
                    .hasMessageStartingWith("--redis rediss://***@localhost:")
                    .hasMessageContaining("cannot reach Redis").hasMessageContaining("certification path");
        }
    }
}
