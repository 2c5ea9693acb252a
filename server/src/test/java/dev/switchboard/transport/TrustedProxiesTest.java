package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // literals only: no lookup
    }

    @Test
    void withoutTrustedProxiesThePeerIsTheClientWhateverItForwards() throws Exception {
        assertThat(TrustedProxies.NONE.client(ip("198.51.100.1"), ip("203.0.113.9"), "203.0.113.9"))
                .isEqualTo(ip("198.51.100.1"));
    }

    @Test
    void xForwardedForIsReadFromTheRightPastTrustedHops() throws Exception {
        TrustedProxies p = TrustedProxies.parse("10.0.0.0/8, 192.0.2.7");
        // client -> 192.0.2.7 (edge) -> 10.1.2.3 (inner) -> node
        assertThat(p.client(ip("10.1.2.3"), null, "203.0.113.9, 192.0.2.7")).isEqualTo(ip("203.0.113.9"));
        // a client that forges entries on the left is still itself: the first untrusted from the right
        assertThat(p.client(ip("10.1.2.3"), null, "1.2.3.4, 203.0.113.9, 192.0.2.7")).isEqualTo(ip("203.0.113.9"));
        // an untrusted peer's header is not read
        assertThat(p.client(ip("198.51.100.1"), null, "203.0.113.9")).isEqualTo(ip("198.51.100.1"));
        // every hop trusted: the leftmost is the client
        assertThat(p.client(ip("10.1.2.3"), null, "10.9.9.9")).isEqualTo(ip("10.9.9.9"));
    }

    @Test
    void entriesMayCarryPortsAndBracketsAndAMalformedOneStopsTheWalk() throws Exception {
        TrustedProxies p = TrustedProxies.parse("127.0.0.1, ::1");
        assertThat(p.client(ip("127.0.0.1"), null, "203.0.113.9:4711")).isEqualTo(ip("203.0.113.9"));
        assertThat(p.client(ip("::1"), null, "[2001:db8::7]:443")).isEqualTo(ip("2001:db8::7"));
        assertThat(p.client(ip("::1"), null, "2001:db8::8")).isEqualTo(ip("2001:db8::8"));
        assertThat(p.client(ip("127.0.0.1"), null, "203.0.113.9, unknown")).as("the hop that added garbage")
                .isEqualTo(ip("127.0.0.1"));
        assertThat(p.client(ip("127.0.0.1"), null, "evil.example.com")).isEqualTo(ip("127.0.0.1"));
    }

    @Test
    void aProxyHeaderCountsOnlyFromATrustedPeerAndThenForwardedForFromIt() throws Exception {
        TrustedProxies p = TrustedProxies.parse("127.0.0.1/32");
        assertThat(p.client(ip("127.0.0.1"), ip("203.0.113.9"), null)).isEqualTo(ip("203.0.113.9"));
        assertThat(p.client(ip("198.51.100.1"), ip("203.0.113.9"), null)).isEqualTo(ip("198.51.100.1"));
        // the PROXY source is a client, not a proxy: its X-Forwarded-For is not believed
        assertThat(p.client(ip("127.0.0.1"), ip("203.0.113.9"), "1.2.3.4")).isEqualTo(ip("203.0.113.9"));
    }

    @Test
    void cidrsMatchTheirRangeOnly() throws Exception {
        TrustedProxies p = TrustedProxies.parse("172.16.0.0/12,fd00::/8");
        assertThat(p.trusts(ip("172.31.255.255"))).isTrue();
        assertThat(p.trusts(ip("172.32.0.0"))).isFalse();
        assertThat(p.trusts(ip("fdab::1"))).isTrue();
        assertThat(p.trusts(ip("fe80::1"))).isFalse();
    }

    @Test
    void entriesThatAreNotAddressesOrCidrsAreRefusedByName() {
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/8, proxy.internal"))
                .hasMessage("not an IP address or CIDR: proxy.internal");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> TrustedProxies.parse("::/129")).hasMessageContaining("::/129");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/x")).hasMessageContaining("10.0.0.0/x");
    }
}
