package dev.switchboard.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keys and tokens made by an independent JOSE implementation ({@code jose} on Node,
 * tests/src/test/tokens/sign.mjs), so the server's verifier is never checked against itself.
 */
public final class Tokens {
    /** A shared secret for HS* tokens, 65 bytes: HS512 needs at least as many as its hash (RFC 7518 §3.2). */
    public static final String HMAC_SECRET = "a shared secret for HS256, HS384 and HS512: sixty-four bytes long";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode spec = JSON.createObjectNode();
    private final Map<String, ObjectNode> wanted = new LinkedHashMap<>();

    public Tokens() {
        spec.putArray("keys");
        spec.putObject("tokens");
    }

    /** A key pair of {@code alg} (RS256, ES256, ES384, EdDSA) named {@code kid}; its public half goes in the JWK set. */
    public Tokens key(String kid, String alg) {
        ((com.fasterxml.jackson.databind.node.ArrayNode) spec.get("keys")).addObject().put("kid", kid).put("alg", alg);
        return this;
    }

    /** The shared secret of HS256/384/512 tokens. */
    public Tokens secret(String secret) {
        spec.put("secret", secret);
        return this;
    }

    /** A token named {@code name}: signed with {@code kid}'s key ({@code null} for HS*, unsigned for "none"). */
    public Tokens token(String name, String alg, String kid, Map<String, Object> claims) {
        ObjectNode t = ((ObjectNode) spec.get("tokens")).putObject(name).put("alg", alg);
        if (kid != null) {
            t.put("kid", kid);
        }
        t.set("claims", JSON.valueToTree(claims));
        return this;
    }

    /** What the signer made. */
    public record Made(String jwks, Map<String, String> tokens) {
        public String token(String name) {
            String t = tokens.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no token " + name);
            }
            return t;
        }
    }

    public Made make() throws IOException {
        Path specFile = Files.createTempFile("switchboard-token-spec", ".json");
        try {
            Files.writeString(specFile, JSON.writeValueAsString(spec));
            NodeScript.Result result = NodeScript.run("src/test/tokens", "sign.mjs", 60, specFile.toString());
            if (result.exitCode() != 0 || result.json() == null) {
                throw new IllegalStateException("the token signer failed: " + result);
            }
            JsonNode out = result.json();
            Map<String, String> tokens = new LinkedHashMap<>();
            out.get("tokens").properties().forEach(e -> tokens.put(e.getKey(), e.getValue().asText()));
            return new Made(JSON.writeValueAsString(out.get("jwks")), tokens);
        } finally {
            Files.deleteIfExists(specFile);
        }
    }

    /** Seconds since the epoch, {@code offset} from now: for exp and nbf. */
    public static long in(long offsetSeconds) {
        return System.currentTimeMillis() / 1000 + offsetSeconds;
    }
}
