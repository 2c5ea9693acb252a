package dev.switchboard.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.dialect.Handshake;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The request-target parser never fails, whatever the request line holds (Netty hands over its bytes as
 * ISO-8859-1 characters); it keeps at most its 64 parameters; {@link RequestTarget#path} is the parsed path;
 * and its decoding undoes the JDK's form encoding ({@link URLEncoder}) of every name, value and path it decoded
 * — so what a client encodes correctly, the server reads as meant.
 */
class RequestTargetFuzzTest {

    @FuzzTest
    void neverFailsAndUndoesEncoding(byte[] requestTarget) {
        String uri = new String(requestTarget, StandardCharsets.ISO_8859_1);
        Handshake h = RequestTarget.parse(uri);
        assertEquals(h.path(), RequestTarget.path(uri));
        assertTrue(h.rawPath().length() > 0 && !h.rawPath().contains("?") && !h.rawPath().contains("#"), h.rawPath());
        int values = 0;
        for (Map.Entry<String, List<String>> e : h.query().entrySet()) {
            values += e.getValue().size();
            assertRoundTrip(e.getKey());
            e.getValue().forEach(RequestTargetFuzzTest::assertRoundTrip);
        }
        assertTrue(values <= 64, "parameters kept: " + values);
        String pathEncoded = URLEncoder.encode(h.path(), StandardCharsets.UTF_8).replace("+", "%20");
        assertEquals(h.path(), RequestTarget.parse(pathEncoded).path(), "path decoded from " + pathEncoded);
    }

    private static void assertRoundTrip(String s) {
        String encoded = URLEncoder.encode(s, StandardCharsets.UTF_8);
        Handshake h = RequestTarget.parse("/?" + encoded + "=" + encoded);
        assertEquals(Map.of(s, List.of(s)), h.query(), "query decoded from " + encoded);
    }
}
