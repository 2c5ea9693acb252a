package dev.switchboard.auth;

import java.time.Instant;
import java.util.Map;

/**
 * Who a verified token says its holder is.
 *
 * @param subject   the token's {@code sub}, or null
 * @param expiresAt the token's {@code exp}
 * @param claims    every claim of the token, as JSON values (maps, lists, strings, numbers, booleans)
 * @param grants    what the holder may do, from the {@code switchboard} claim
 */
public record Identity(String subject, Instant expiresAt, Map<String, Object> claims, Grants grants) {
    public Identity {
        claims = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(claims)); // JSON null values allowed
    }
}
