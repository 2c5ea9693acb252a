package dev.switchboard.transport;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which browser origins may open a WebSocket (the allowed-origins and require-origin options). Browsers send the
 * page's origin with every upgrade and a page cannot change it; native clients usually send none. An origin
 * is {@code scheme://host[:port]}; a pattern may start its host with {@code *.}, which stands for one or more
 * labels: {@code https://*.example.com} allows {@code https://app.example.com} and
 * {@code https://a.b.example.com}, not {@code https://example.com}.
 */
public final class OriginPolicy {
    public static final OriginPolicy ANY = new OriginPolicy(null, false);

    /** Allowed origins and patterns, lower case; null for any. */
    private final List<String> allowed;
    private final boolean requireOrigin;

    private OriginPolicy(List<String> allowed, boolean requireOrigin) {
        this.allowed = allowed;
        this.requireOrigin = requireOrigin;
    }

    /**
     * @param list          comma-separated origins and patterns; null or blank allows any origin
     * @param requireOrigin whether an upgrade without an Origin header is refused
     * @throws IllegalArgumentException naming the first entry that is not an origin
     */
    public static OriginPolicy parse(String list, boolean requireOrigin) {
        if (list == null || list.isBlank()) {
            return requireOrigin ? new OriginPolicy(null, true) : ANY;
        }
        List<String> allowed = new ArrayList<>();
        for (String raw : list.split(",")) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            if (!isOrigin(entry.replace("://*.", "://wildcard."))) {
                throw new IllegalArgumentException("not an origin (scheme://host[:port]): " + raw.trim());
            }
            allowed.add(entry);
        }
        return new OriginPolicy(List.copyOf(allowed), requireOrigin);
    }

    private static boolean isOrigin(String s) {
        try {
            URI uri = new URI(s);
            return uri.getScheme() != null && uri.getHost() != null && uri.getRawUserInfo() == null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
                    && uri.getRawFragment() == null;
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether an upgrade with this Origin header (null: none) may proceed. */
    public boolean allows(String origin) {
        if (origin == null) {
            return !requireOrigin;
        }
        if (allowed == null) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        for (String entry : allowed) {
            if (entry.equals(o) || matchesPattern(entry, o)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesPattern(String pattern, String origin) {
        int star = pattern.indexOf("://*.");
        if (star < 0) {
            return false;
        }
        String scheme = pattern.substring(0, star + 3);  // "https://"
        String rest = pattern.substring(star + 4);       // ".example.com[:port]"
        if (!origin.startsWith(scheme)) {
            return false;
        }
        String hostAndPort = origin.substring(scheme.length());
        int suffixAt = hostAndPort.length() - rest.length();
        // at least one label before the suffix, and the suffix exactly (port included)
        return suffixAt > 0 && hostAndPort.endsWith(rest) && hostAndPort.indexOf('/') < 0
                && hostAndPort.substring(0, suffixAt).indexOf(':') < 0;
    }

    public boolean allowsAny() {
        return allowed == null && !requireOrigin;
    }
}
