package dev.switchboard.auth;

/** Whether a dialect's connections must, may, or need not present a token. */
public enum AuthMode {
    /** Tokens are not looked at (the upstream servers' behaviour). */
    OFF,
    /** A connection may come without a token; one that brings a token must bring a valid one. */
    OPTIONAL,
    /** A connection without a valid token is refused: HTTP 401 before the upgrade, gRPC UNAUTHENTICATED. */
    REQUIRED
}
