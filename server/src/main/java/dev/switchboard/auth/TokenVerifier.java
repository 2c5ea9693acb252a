package dev.switchboard.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.HmacKey;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.keys.resolvers.VerificationKeyResolver;
import org.jose4j.lang.JoseException;
import org.jose4j.lang.UnresolvableKeyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies JSON Web Tokens with jose4j: the signature (HS256/384/512 with the shared secret; RS256, ES256/384
 * and EdDSA with the JWK set, picked by {@code kid} and algorithm), then {@code exp} (required), {@code nbf},
 * and {@code iss} and {@code aud} when configured, with a clock skew. The key files are read again when they
 * change (looked at once a second, off the network threads), so keys rotate without a restart; a file that
 * no longer parses leaves the keys as they were. Thread-safe.
 */
public final class TokenVerifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenVerifier.class);
    private static final long RELOAD_CHECK_MILLIS = 1000;
    /** The algorithms a token may be signed with. */
    public static final java.util.Set<String> ALGORITHMS = java.util.Set.of(AlgorithmIdentifiers.HMAC_SHA256,
            AlgorithmIdentifiers.HMAC_SHA384, AlgorithmIdentifiers.HMAC_SHA512, AlgorithmIdentifiers.RSA_USING_SHA256,
            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
            AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384, AlgorithmIdentifiers.EDDSA);
    private static final String ALGORITHM_NOT_ALLOWED = "algorithm not allowed";

    private record Keys(JwksVerificationKeyResolver jwks, Key hmac) {
    }

    private record Stamp(long modified, long size) {
    }

    private final Path jwksFile;
    private final Path secretFile;
    private final AtomicReference<Keys> keys = new AtomicReference<>();
    private final JwtConsumer consumer;
    private final ScheduledExecutorService reloader;
    private Stamp jwksStamp;
    private Stamp secretStamp;

    /** A key file that cannot be read as keys. */
    public static final class UnreadableKeys extends IllegalArgumentException {
        private final transient Path file;

        UnreadableKeys(Path file, Exception cause) {
            super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
            this.file = file;
        }

        public Path file() {
            return file;
        }
    }

    /**
     * @throws IllegalArgumentException when neither file is given
     * @throws UnreadableKeys           when a file cannot be read as keys
     */
    public TokenVerifier(Path jwksFile, Path secretFile, String issuer, String audience, Duration clockSkew) {
        if (jwksFile == null && secretFile == null) {
            throw new IllegalArgumentException("tokens need keys: a JWK set file or a shared-secret file");
        }
        this.jwksFile = jwksFile;
        this.secretFile = secretFile;
        JwksVerificationKeyResolver jwks = null;
        Key secret = null;
        try {
            this.jwksStamp = stamp(jwksFile);
            jwks = jwksFile == null ? null : readJwks(jwksFile);
        } catch (IOException | JoseException e) {
            throw new UnreadableKeys(jwksFile, e);
        }
        try {
            this.secretStamp = stamp(secretFile);
            secret = secretFile == null ? null : readSecret(secretFile);
        } catch (IOException e) {
            throw new UnreadableKeys(secretFile, e);
        }
        keys.set(new Keys(jwks, secret));
        VerificationKeyResolver resolver = (jws, nested) -> {
            Keys k = keys.get();
            String alg = jws.getAlgorithmHeaderValue();
            if (!ALGORITHMS.contains(alg)) {
                throw new UnresolvableKeyException(ALGORITHM_NOT_ALLOWED); // "none" among them
            }
            if (alg != null && alg.startsWith("HS")) {
                if (k.hmac() == null) {
                    throw new UnresolvableKeyException("no shared secret");
                }
                return k.hmac();
            }
            if (k.jwks() == null) {
                throw new UnresolvableKeyException("no JWK set");
            }
            return k.jwks().resolveKey(jws, nested);
        };
        JwtConsumerBuilder builder = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds((int) Math.min(Integer.MAX_VALUE, clockSkew.toSeconds()))
                .setVerificationKeyResolver(resolver)
                // an allow-list: "none" and every algorithm not named here are refused
                .setJwsAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        ALGORITHMS.toArray(String[]::new)));
        if (issuer != null) {
            builder.setExpectedIssuer(issuer);
        }
        if (audience != null) {
            builder.setExpectedAudience(audience);
        } else {
            builder.setSkipDefaultAudienceValidation();
        }
        this.consumer = builder.build();
        this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-auth-keys");
            t.setDaemon(true);
            return t;
        });
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, RELOAD_CHECK_MILLIS, RELOAD_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /**
     * The identity a token proves.
     *
     * @throws InvalidTokenException with a short reason: expired, not yet valid, wrong issuer, wrong audience,
     *                               no expiry, bad signature, unknown key, or malformed
     */
    public Identity verify(String token) throws InvalidTokenException {
        JwtClaims claims;
        try {
            claims = consumer.processToClaims(token);
        } catch (InvalidJwtException e) {
            throw new InvalidTokenException(reason(e));
        }
        try {
            return new Identity(claims.getSubject(), Instant.ofEpochSecond(claims.getExpirationTime().getValue()),
                    claims.getClaimsMap(), Grants.of(claims.getClaimsMap()));
        } catch (MalformedClaimException e) {
            throw new InvalidTokenException("malformed");
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("malformed grants: " + e.getMessage());
        }
    }

    private static String reason(InvalidJwtException e) {
        if (e.hasExpired()) {
            return "expired";
        } else if (e.hasErrorCode(ErrorCodes.NOT_YET_VALID)) {
            return "not yet valid";
        } else if (e.hasErrorCode(ErrorCodes.ISSUER_INVALID) || e.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            return "wrong issuer";
        } else if (e.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || e.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
            return "wrong audience";
        } else if (e.hasErrorCode(ErrorCodes.EXPIRATION_MISSING)) {
            return "no expiry";
        } else if (e.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
            return "bad signature";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvableKeyException) {
                return ALGORITHM_NOT_ALLOWED.equals(t.getMessage()) ? ALGORITHM_NOT_ALLOWED : "unknown key";
            }
            if (t instanceof org.jose4j.lang.InvalidKeyException) {
                return "key too short for the algorithm"; // HS384 needs 48 bytes of secret, HS512 64 (RFC 7518)
            }
        }
        return "malformed";
    }

    private void reloadIfChanged() {
        try {
            Stamp j = stamp(jwksFile);
            Stamp s = stamp(secretFile);
            if (java.util.Objects.equals(j, jwksStamp) && java.util.Objects.equals(s, secretStamp)) {
                return;
            }
            Keys now = keys.get();
            keys.set(new Keys(j != null && !j.equals(jwksStamp) ? readJwks(jwksFile) : now.jwks(),
                    s != null && !s.equals(secretStamp) ? readSecret(secretFile) : now.hmac()));
            jwksStamp = j;
            secretStamp = s;
            log.info("token keys reloaded");
        } catch (IOException | JoseException | RuntimeException e) {
            // keep the keys that work; say so once per change of the file
            log.warn("token keys not reloaded, the previous ones stay: {}", e.getMessage());
            try {
                jwksStamp = stamp(jwksFile);
                secretStamp = stamp(secretFile);
            } catch (IOException ignored) {
                // looked at again next time
            }
        }
    }

    private static Stamp stamp(Path file) throws IOException {
        return file == null ? null : new Stamp(Files.getLastModifiedTime(file).toMillis(), Files.size(file));
    }

    private static JwksVerificationKeyResolver readJwks(Path file) throws IOException, JoseException {
        List<JsonWebKey> list;
        try {
            list = new ArrayList<>(new JsonWebKeySet(Files.readString(file)).getJsonWebKeys());
        } catch (RuntimeException malformed) {
            // jose4j's JSON reader is lenient and its key parsing casts what it read: a set such as
            // {"keys":[{...},2{...}]} ends in a ClassCastException, not a JoseException (found by JwksFileFuzzTest)
            throw new JoseException("malformed JWK set: " + malformed.getMessage(), malformed);
        }
        if (list.isEmpty()) {
            throw new IOException("no keys in the set");
        }
        return new JwksVerificationKeyResolver(list);
    }

    private static Key readSecret(Path file) throws IOException {
        byte[] secret = Files.readAllBytes(file);
        int end = secret.length;
        while (end > 0 && (secret[end - 1] == '\n' || secret[end - 1] == '\r')) {
            end--; // a trailing newline from an editor or echo is not part of the secret
        }
        if (end < 32) {
            throw new IOException("a shared secret needs at least 32 bytes (256 bits)");
        }
        return new HmacKey(java.util.Arrays.copyOf(secret, end));
    }

    @Override
    public void close() {
        reloader.shutdownNow();
    }
}
