package dev.switchboard.ice;

import static dev.switchboard.dialect.JsonStrings.quote;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The STUN and TURN servers a node hands its clients (the ice-servers option), with TURN credentials that
 * expire: the TURN REST API scheme coturn implements with {@code use-auth-secret} — username
 * {@code <expiry>:<user>}, password the Base64 HMAC-SHA1 of the username under the shared secret. The HMAC is
 * the JDK's; only the scheme's two lines of assembly are written here. Thread-safe.
 */
public final class IceServers {
    public static final IceServers NONE = new IceServers(List.of(), List.of(), null, Duration.ZERO, Clock.systemUTC());

    private final List<String> stun;
    private final List<String> turn;
    private final byte[] secret;
    private final Duration ttl;
    private final Clock clock;

    IceServers(List<String> stun, List<String> turn, byte[] secret, Duration ttl, Clock clock) {
        this.stun = stun;
        this.turn = turn;
        this.secret = secret;
        this.ttl = ttl;
        this.clock = clock;
    }

    /**
     * @param urls   comma-separated {@code stun:}, {@code stuns:}, {@code turn:} and {@code turns:} URLs
     * @param secret coturn's {@code static-auth-secret}; null hands out TURN URLs without credentials
     * @throws IllegalArgumentException naming the first entry that is not such a URL
     */
    public static IceServers of(String urls, byte[] secret, Duration ttl) {
        return of(urls, secret, ttl, Clock.systemUTC());
    }

    static IceServers of(String urls, byte[] secret, Duration ttl, Clock clock) {
        if (urls == null || urls.isBlank()) {
            return NONE;
        }
        List<String> stun = new ArrayList<>();
        List<String> turn = new ArrayList<>();
        for (String raw : urls.split(",")) {
            String url = raw.trim();
            String scheme = url.contains(":") ? url.substring(0, url.indexOf(':')).toLowerCase(Locale.ROOT) : "";
            if (url.length() <= scheme.length() + 1 || url.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\')) {
                throw new IllegalArgumentException("not a STUN or TURN URL: " + url);
            }
            switch (scheme) {
                case "stun", "stuns" -> stun.add(url);
                case "turn", "turns" -> turn.add(url);
                default -> throw new IllegalArgumentException("not a STUN or TURN URL: " + url);
            }
        }
        return new IceServers(List.copyOf(stun), List.copyOf(turn), secret, ttl, clock);
    }

    public boolean isEmpty() {
        return stun.isEmpty() && turn.isEmpty();
    }

    /** The credentials a TURN server with {@code use-auth-secret} accepts for {@code user} until {@link #ttl}. */
    public Credentials credentials(String user) {
        long expiry = clock.instant().plus(ttl).getEpochSecond();
        String username = expiry + ":" + user;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            return new Credentials(username,
                    Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every JDK", e);
        }
    }

    public record Credentials(String username, String credential) {
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * The list as {@code RTCConfiguration.iceServers} takes it: {@code [{"urls":[…stun…]},
     * {"urls":[…turn…],"username":…,"credential":…}]}, the TURN entry with fresh credentials for {@code user}.
     */
    public String json(String user) {
        StringBuilder out = new StringBuilder("[");
        if (!stun.isEmpty()) {
            out.append("{\"urls\":").append(array(stun)).append('}');
        }
        if (!turn.isEmpty()) {
            out.append(stun.isEmpty() ? "" : ",").append("{\"urls\":").append(array(turn));
            if (secret != null) {
                Credentials c = credentials(user);
                out.append(",\"username\":").append(quote(c.username()))
                        .append(",\"credential\":").append(quote(c.credential()));
            }
            out.append('}');
        }
        return out.append(']').toString();
    }

    private static String array(List<String> urls) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < urls.size(); i++) {
            out.append(i == 0 ? "" : ",").append(quote(urls.get(i)));
        }
        return out.append(']').toString();
    }
}
