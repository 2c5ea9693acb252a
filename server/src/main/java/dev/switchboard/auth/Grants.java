package dev.switchboard.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a token's holder may do, from its {@code switchboard} claim (docs/design/auth.md#grants):
 *
 * <pre>{@code
 * "switchboard": {
 *   "rooms":   ["team-*", "lobby"],  // y-webrtc topics, Rendezvous rooms, Radix connection ids
 *   "names":   ["alice"],            // named-peer login names
 *   "workers": ["42"],               // gRPC worker ids it may register as
 *   "reach":   ["4*"]                // gRPC worker ids it may negotiate with as a client
 * }
 * }</pre>
 *
 * A token without the claim may do anything (it proves who, not what). With the claim, a list it leaves out
 * grants nothing of that kind. {@code *} in a pattern stands for any run of characters, none included.
 */
public final class Grants {
    /** Everything: no token, or a token without the claim. */
    public static final Grants ALL = new Grants(null, null, null, null);
    /** The claim's name. */
    public static final String CLAIM = "switchboard";

    private final List<String> rooms;
    private final List<String> names;
    private final List<String> workers;
    private final List<String> reach;

    private Grants(List<String> rooms, List<String> names, List<String> workers, List<String> reach) {
        this.rooms = rooms;
        this.names = names;
        this.workers = workers;
        this.reach = reach;
    }

    /** The grants of a token's claims. @throws IllegalArgumentException when the claim has another shape */
    public static Grants of(Map<String, Object> claims) {
        Object claim = claims.get(CLAIM);
        if (claim == null) {
            return ALL;
        }
        if (!(claim instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("the " + CLAIM + " claim must be an object");
        }
        for (Object key : map.keySet()) {
            if (!List.of("rooms", "names", "workers", "reach").contains(key)) {
                throw new IllegalArgumentException("unknown grant " + key);
            }
        }
        return new Grants(list(map, "rooms"), list(map, "names"), list(map, "workers"), list(map, "reach"));
    }

    private static List<String> list(Map<?, ?> claim, String name) {
        Object value = claim.get(name);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> items)) {
            throw new IllegalArgumentException("grant " + name + " must be a list of strings");
        }
        List<String> patterns = new ArrayList<>(items.size());
        for (Object item : items) {
            if (!(item instanceof String s)) {
                throw new IllegalArgumentException("grant " + name + " must be a list of strings");
            }
            patterns.add(s);
        }
        return List.copyOf(patterns);
    }

    public boolean room(String room) {
        return allows(rooms, room);
    }

    public boolean name(String name) {
        return allows(names, name);
    }

    public boolean worker(long workerId) {
        return allows(workers, Long.toString(workerId));
    }

    public boolean reach(long workerId) {
        return allows(reach, Long.toString(workerId));
    }

    private static boolean allows(List<String> patterns, String value) {
        if (patterns == null) {
            return true;
        }
        for (String pattern : patterns) {
            if (matches(pattern, value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code value} matches {@code pattern}, where {@code *} is any run of characters. Written here: it is
     * the one wildcard of a glob, and a regular expression built from a token's claim would need escaping and
     * could backtrack on hostile patterns; this is linear in practice (greedy with one backtrack point).
     */
    static boolean matches(String pattern, String value) {
        int p = 0;
        int v = 0;
        int star = -1;
        int resume = 0;
        while (v < value.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = v;
            } else if (p < pattern.length() && pattern.charAt(p) == value.charAt(v)) {
                p++;
                v++;
            } else if (star >= 0) {
                p = star + 1;
                v = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
