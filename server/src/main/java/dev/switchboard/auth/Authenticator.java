package dev.switchboard.auth;

import java.time.Duration;
import java.util.Locale;

/**
 * The node's token rule: which dialects look at tokens (the auth option), where a token is taken from, and
 * whether it verifies. One per node; thread-safe.
 */
public final class Authenticator implements AutoCloseable {
    /** Tokens are not looked at anywhere. */
    public static final Authenticator OFF = new Authenticator(AuthModes.OFF, null, true, Duration.ZERO);

    private final AuthModes modes;
    private final TokenVerifier verifier;
    private final boolean closeOnExpiry;
    private final Duration clockSkew;

    public Authenticator(AuthModes modes, TokenVerifier verifier, boolean closeOnExpiry, Duration clockSkew) {
        if (modes.anyOn() && verifier == null) {
            throw new IllegalArgumentException("tokens need keys");
        }
        this.modes = modes;
        this.verifier = verifier;
        this.closeOnExpiry = closeOnExpiry;
        this.clockSkew = clockSkew;
    }

    /** The strictest mode of the dialects a connection may turn out to speak (the shared paths serve two). */
    public AuthMode mode(String... dialects) {
        AuthMode strictest = AuthMode.OFF;
        for (String dialect : dialects) {
            AuthMode m = modes.of(dialect);
            if (m.compareTo(strictest) > 0) {
                strictest = m;
            }
        }
        return strictest;
    }

    /** What the check decided: the identity (null for none), or why the connection is refused. */
    public record Outcome(Identity identity, String refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }

    private static final Outcome ANONYMOUS = new Outcome(null, null);

    /**
     * Checks a connection's token under a mode.
     *
     * @param authorization the Authorization header (or gRPC metadata), whose {@code Bearer} token wins
     * @param queryToken    the {@code token} query parameter: all a y-webrtc or Radix client can add
     */
    public Outcome check(AuthMode mode, String authorization, String queryToken) {
        if (mode == AuthMode.OFF) {
            return ANONYMOUS;
        }
        String token = bearer(authorization);
        if (token == null) {
            token = queryToken == null || queryToken.isEmpty() ? null : queryToken;
        }
        if (token == null) {
            return mode == AuthMode.REQUIRED ? new Outcome(null, "token required") : ANONYMOUS;
        }
        try {
            return new Outcome(verifier.verify(token), null);
        } catch (InvalidTokenException e) {
            return new Outcome(null, "invalid token: " + e.getMessage());
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    /** Whether a connection is closed when its token expires (the auth-close-on-expiry option). */
    public boolean closeOnExpiry() {
        return closeOnExpiry;
    }

    /** The clock skew allowed: a token counts as expired this long after its {@code exp}. */
    public Duration clockSkew() {
        return clockSkew;
    }

    @Override
    public void close() {
        if (verifier != null) {
            verifier.close();
        }
    }
}
