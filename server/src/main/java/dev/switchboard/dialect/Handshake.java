package dev.switchboard.dialect;

import dev.switchboard.auth.Grants;
import dev.switchboard.auth.Identity;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of a WebSocket upgrade request that dialects route, validate and decide on.
 *
 * @param path          the decoded path, e.g. {@code /room/lobby/websocket}
 * @param rawPath       the path as sent, before percent-decoding
 * @param query         decoded query parameters in order of appearance
 * @param headers       the request headers a policy needs ({@link #KEPT_HEADERS}), by lower-case name; repeated
 *                      headers joined with ", "
 * @param clientAddress the client's IP address as text: the socket's peer, or the address a trusted proxy named
 *                      (docs/design/routing.md#who-the-client-is); null where there is no socket (tests)
 * @param identity      what the connection's verified token says (docs/design/auth.md); null without one
 */
public record Handshake(String path, String rawPath, Map<String, List<String>> query, Map<String, String> headers,
                        String clientAddress, Identity identity) {
    /** The headers kept from an upgrade request; the rest are dropped with the request. */
    public static final List<String> KEPT_HEADERS = List.of("origin", "authorization", "cookie",
            "sec-websocket-protocol", "user-agent");

    public Handshake {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
    }

    /** A handshake from a path and query alone (no headers, no address). */
    public Handshake(String path, String rawPath, Map<String, List<String>> query) {
        this(path, rawPath, query, Map.of(), null, null);
    }

    /** The first value of a query parameter, or null. */
    public String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public boolean hasParam(String name) {
        return query.containsKey(name);
    }

    /** A kept request header (any case), or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** This handshake with the request's headers and the client's address. */
    public Handshake with(Map<String, String> headers, String clientAddress) {
        return new Handshake(path, rawPath, query, headers, clientAddress, identity);
    }

    /** What the connection may do: its token's grants, or everything without a token. */
    public Grants grants() {
        return identity == null ? Grants.ALL : identity.grants();
    }

    /** This handshake with a verified identity. */
    public Handshake with(Identity identity) {
        return new Handshake(path, rawPath, query, headers, clientAddress, identity);
    }
}
