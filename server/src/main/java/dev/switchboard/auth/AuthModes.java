package dev.switchboard.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The auth option's value: one mode for every dialect, then exceptions by dialect name —
 * {@code required}, {@code required,radix=off}, {@code off,grpc=required}. Dialects plugged in from other
 * modules follow the first mode.
 */
public final class AuthModes {
    /** The dialects an exception may name (the built-in ones and gRPC). */
    public static final List<String> DIALECTS = List.of("y-webrtc", "named-peer", "rendezvous", "radix", "peerjs", "grpc");
    public static final AuthModes OFF = new AuthModes(AuthMode.OFF, Map.of());

    private final AuthMode all;
    private final Map<String, AuthMode> byDialect;

    private AuthModes(AuthMode all, Map<String, AuthMode> byDialect) {
        this.all = all;
        this.byDialect = byDialect;
    }

    /** @throws IllegalArgumentException naming the part that is neither a mode nor {@code dialect=mode} */
    public static AuthModes parse(String text) {
        String[] parts = text.split(",");
        AuthMode all = mode(parts[0].trim(), parts[0]);
        Map<String, AuthMode> byDialect = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            String dialect = eq < 0 ? "" : part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (!DIALECTS.contains(dialect)) {
                throw new IllegalArgumentException("not dialect=mode with a dialect of " + String.join(", ", DIALECTS)
                        + ": " + part);
            }
            byDialect.put(dialect, mode(part.substring(eq + 1).trim(), part));
        }
        return new AuthModes(all, Map.copyOf(byDialect));
    }

    private static AuthMode mode(String text, String part) {
        try {
            return AuthMode.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a mode (off, optional, required): " + part.trim());
        }
    }

    public AuthMode of(String dialect) {
        return byDialect.getOrDefault(dialect, all);
    }

    /** Whether any dialect looks at tokens (then keys must be configured). */
    public boolean anyOn() {
        return all != AuthMode.OFF || byDialect.values().stream().anyMatch(m -> m != AuthMode.OFF);
    }
}
