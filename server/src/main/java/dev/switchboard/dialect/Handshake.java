package dev.switchboard.dialect;

import java.util.List;
import java.util.Map;

/**
 * The parts of a WebSocket upgrade request that dialects route and validate on.
 *
 * @param path     the decoded path, e.g. {@code /room/lobby/websocket}
 * @param rawPath  the path as sent, before percent-decoding
 * @param query    decoded query parameters in order of appearance
 */
public record Handshake(String path, String rawPath, Map<String, List<String>> query) {
    public Handshake {
        query = Map.copyOf(query);
    }

    /** The first value of a query parameter, or null. */
    public String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public boolean hasParam(String name) {
        return query.containsKey(name);
    }
}
