package dev.switchboard.transport.internal;

import dev.switchboard.dialect.Handshake;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a request target (path and query) the way the upstream servers' URL parsers do (WHATWG
 * {@code URLSearchParams}): never failing. A malformed escape such as {@code %zz} stays as written, invalid
 * UTF-8 becomes U+FFFD, {@code +} in the query is a space, and only {@code &} separates parameters (a
 * {@code ;} is an ordinary character). So a bad URL gets its dialect's answer instead of a dropped socket.
 */
final class RequestTarget {
    private static final int MAX_PARAMETERS = 64;

    private RequestTarget() {
    }

    static Handshake parse(String uri) {
        String target = withoutFragment(uri);
        int question = target.indexOf('?');
        String rawPath = rawPath(target);
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (question >= 0) {
            int count = 0;
            for (String pair : target.substring(question + 1).split("&")) {
                if (pair.isEmpty() || count++ >= MAX_PARAMETERS) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
                query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        return new Handshake(decode(rawPath, false), rawPath, query);
    }

    /** The decoded path only (a plain HTTP request has no use for its query). */
    static String path(String uri) {
        return decode(rawPath(withoutFragment(uri)), false);
    }

    private static String withoutFragment(String uri) {
        int fragment = uri.indexOf('#');
        return fragment < 0 ? uri : uri.substring(0, fragment);
    }

    private static String rawPath(String target) {
        int question = target.indexOf('?');
        String rawPath = question < 0 ? target : target.substring(0, question);
        return rawPath.isEmpty() ? "/" : rawPath;
    }

    static String decode(String s, boolean plusIsSpace) {
        if (s.indexOf('%') < 0 && (!plusIsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            int hi;
            int lo;
            if (c == '%' && i + 2 < s.length()
                    && (hi = Character.digit(s.charAt(i + 1), 16)) >= 0 && (lo = Character.digit(s.charAt(i + 2), 16)) >= 0) {
                bytes.write(hi << 4 | lo);
                i += 3;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
                i++;
            } else {
                int cp = s.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
                i += Character.charCount(cp);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
