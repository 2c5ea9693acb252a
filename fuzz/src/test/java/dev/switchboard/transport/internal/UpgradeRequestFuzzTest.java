package dev.switchboard.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.transport.OriginPolicy;
import dev.switchboard.transport.TrustedProxies;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the server reads itself of an upgrade request, whatever its bytes (Netty hands the request line and
 * header values over as ISO-8859-1 characters).
 *
 * <p>The request-target parser never fails; it keeps at most its 64 parameters; {@link RequestTarget#path} is the parsed path;
 * and its decoding undoes the JDK's form encoding ({@link URLEncoder}) of every name, value and path it decoded
 * — so what a client encodes correctly, the server reads as meant.
 *
 * <p>An {@code X-Forwarded-For} value names the client only through trusted hops
 * (docs/design/routing.md#who-the-client-is): the result is the socket's peer or an address the header lists,
 * never a failure. An {@code Origin} is allowed exactly when it is a listed origin or matches a {@code *.}
 * pattern with at least one whole label.
 */
class UpgradeRequestFuzzTest {
    private static final TrustedProxies PROXIES = TrustedProxies.parse("127.0.0.0/8, ::1, 10.0.0.0/8");
    private static final OriginPolicy ORIGINS = OriginPolicy.parse(
            "https://app.example.com, https://*.example.org:8443", true);
    private static final InetAddress PEER = NetUtil.createInetAddressFromIpAddressString("127.0.0.1");


    @FuzzTest
    void readsWhatTheServerReads(byte[] bytes) {
        String uri = new String(bytes, StandardCharsets.ISO_8859_1);
        Handshake h = RequestTarget.parse(uri);
        assertEquals(h.path(), RequestTarget.path(uri));
        assertTrue(h.rawPath().length() > 0 && !h.rawPath().contains("?") && !h.rawPath().contains("#"), h.rawPath());
        int values = 0;
        for (Map.Entry<String, List<String>> e : h.query().entrySet()) {
            values += e.getValue().size();
            assertRoundTrip(e.getKey());
            e.getValue().forEach(UpgradeRequestFuzzTest::assertRoundTrip);
        }
        assertTrue(values <= 64, "parameters kept: " + values);
        String pathEncoded = URLEncoder.encode(h.path(), StandardCharsets.UTF_8).replace("+", "%20");
        assertEquals(h.path(), RequestTarget.parse(pathEncoded).path(), "path decoded from " + pathEncoded);
        assertHeadersRead(uri);
    }

    private static void assertHeadersRead(String value) {
        InetAddress client = PROXIES.client(PEER, null, value);
        Set<InetAddress> named = new HashSet<>();
        named.add(PEER);
        for (String entry : value.split(",")) {
            String e = entry.trim();
            if (e.startsWith("[") && e.indexOf(']') > 0) {
                e = e.substring(1, e.indexOf(']'));
            } else if (e.indexOf(':') >= 0 && e.indexOf(':') == e.lastIndexOf(':')) {
                e = e.substring(0, e.indexOf(':'));
            }
            InetAddress a = NetUtil.createInetAddressFromIpAddressString(e);
            if (a != null) {
                named.add(a);
            }
        }
        assertTrue(named.contains(client), "client " + client + " from " + value);

        String origin = value.trim().toLowerCase(Locale.ROOT);
        String suffix = ".example.org:8443";
        boolean expected = origin.equals("https://app.example.com")
                || origin.startsWith("https://") && origin.endsWith(suffix)
                && origin.length() > "https://".length() + suffix.length()
                && origin.substring("https://".length(), origin.length() - suffix.length()).matches("[^/:]+");
        assertEquals(expected, ORIGINS.allows(value), "Origin " + value);
    }

    private static void assertRoundTrip(String s) {
        String encoded = URLEncoder.encode(s, StandardCharsets.UTF_8);
        Handshake h = RequestTarget.parse("/?" + encoded + "=" + encoded);
        assertEquals(Map.of(s, List.of(s)), h.query(), "query decoded from " + encoded);
    }
}
