package dev.switchboard.dialect.peerjs;

import dev.switchboard.core.MemberInfo;
import dev.switchboard.dialect.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The PeerJS server's HTTP side, mounted at its path as upstream's Express app is: the info document,
 * {@code <key>/id} (a fresh id) and {@code <key>/peers} (the connected ids, if discovery is on), with CORS
 * that reflects the request's origin (upstream's {@code cors({origin: true})}), here only an allowed one.
 */
public final class PeerJsHttp {
    /** An answer: status, content type (null for none), body and extra headers. */
    public record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
    }

    static final String INFO = "{\"name\":\"PeerJS Server\",\"description\":\"A server side element to broker "
            + "connections between PeerJS clients.\",\"website\":\"https://peerjs.com/\"}";
    private static final String JSON = "application/json; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

    private final PeerJsDialect dialect;
    private final Predicate<String> originAllowed;
    /** The mount path without its trailing slash ("" for the root), lower-cased: Express matches paths case-blind. */
    private final String mount;

    /** @param originAllowed whether a page of this origin may read the answers (the node's origin policy) */
    public PeerJsHttp(PeerJsDialect dialect, Predicate<String> originAllowed) {
        this.dialect = dialect;
        this.originAllowed = originAllowed;
        String path = dialect.options().path().toLowerCase(Locale.ROOT);
        this.mount = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /**
     * The answer to a plain request, or null when it is not one of the PeerJS endpoints.
     *
     * @param path           the decoded path
     * @param origin         the request's Origin header, or null
     * @param requestHeaders the request's Access-Control-Request-Headers, or null
     */
    public CompletionStage<Answer> answer(String method, String path, String origin, String requestHeaders) {
        Endpoint endpoint = endpoint(path);
        if (endpoint == null) {
            return null;
        }
        boolean preflight = method.equals("OPTIONS");
        if (!preflight && !method.equals("GET") && !method.equals("HEAD")) {
            return null;
        }
        Map<String, String> cors = new LinkedHashMap<>();
        if (origin != null && originAllowed.test(origin)) {
            cors.put("Access-Control-Allow-Origin", origin);
        }
        if (preflight) {
            cors.put("Vary", requestHeaders != null ? "Origin, Access-Control-Request-Headers" : "Origin");
            cors.put("Access-Control-Allow-Methods", METHODS);
            if (requestHeaders != null) {
                cors.put("Access-Control-Allow-Headers", requestHeaders);
            }
            return done(new Answer(204, null, new byte[0], cors));
        }
        cors.put("Vary", "Origin");
        return switch (endpoint) {
            case INFO -> done(new Answer(200, JSON, bytes(INFO), cors));
            case ID -> done(new Answer(200, HTML, bytes(freshId()), cors));
            case PEERS -> {
                if (!dialect.options().allowDiscovery()) {
                    yield done(new Answer(401, TEXT, bytes("Unauthorized"), cors));
                }
                yield dialect.hub().members(PeerJsDialect.ROOM)
                        .thenApply(members -> new Answer(200, JSON, bytes(idList(members)), cors));
            }
        };
    }

    private enum Endpoint { INFO, ID, PEERS }

    /**
     * Which endpoint a path is, matched as Express matches upstream's routes: case-blind, a trailing slash
     * allowed, the key any one segment. The info document at the root stays the shared paths' {@code okay}
     * (docs/protocols/peerjs.md#differences-from-upstream).
     */
    private Endpoint endpoint(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (!p.startsWith(mount) || (p.length() > mount.length() && p.charAt(mount.length()) != '/')) {
            return null;
        }
        String rest = p.substring(mount.length());
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.isEmpty()) {
            return mount.isEmpty() ? null : Endpoint.INFO;
        }
        int slash = rest.indexOf('/', 1);
        if (slash <= 1 || rest.indexOf('/', slash + 1) >= 0) {
            return null;
        }
        return switch (rest.substring(slash + 1)) {
            case "id" -> Endpoint.ID;
            case "peers" -> Endpoint.PEERS;
            default -> null;
        };
    }

    /** A random UUID no client holds, as upstream's generateClientId. */
    private String freshId() {
        String id;
        do {
            id = UUID.randomUUID().toString();
        } while (dialect.hub().has(PeerJsDialect.ROOM, id));
        return id;
    }

    private static String idList(List<MemberInfo> members) {
        StringBuilder b = new StringBuilder("[");
        for (MemberInfo m : members) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(JsonStrings.quote(m.id()));
        }
        return b.append(']').toString();
    }

    private static CompletionStage<Answer> done(Answer a) {
        return CompletableFuture.completedFuture(a);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
