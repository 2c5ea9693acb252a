package dev.switchboard.dialect.radix;

import dev.switchboard.dialect.Handshake;
import java.util.regex.Pattern;

/**
 * The Radix Connect connect URL, {@code /<connectionId>?target=<wallet|extension>&source=<wallet|extension>},
 * checked in upstream's order with upstream's exact 1003 reasons (docs/protocols/radix-connect.md#connect-url).
 */
final class RadixUrl {
    private static final Pattern CONNECTION_ID = Pattern.compile("[a-fA-F0-9]{64}");
    private static final Pattern CONNECTION_PATH = Pattern.compile("/[a-fA-F0-9]{64}");

    /** A valid URL: the pairing key and this side's role and the role it wants to reach. */
    record Pairing(String connectionId, String source, String target) {
    }

    private RadixUrl() {
    }

    /**
     * Whether an upgrade belongs to Radix at all: a 64-hex path, or a source/target parameter
     * (docs/design/routing.md).
     */
    static boolean matches(Handshake h) {
        return CONNECTION_PATH.matcher(h.rawPath()).matches() || h.hasParam("source") || h.hasParam("target");
    }

    /** The reason the URL is refused, or null when it is valid. */
    static String refusal(Handshake h) {
        String connectionId = h.rawPath().substring(1);
        String target = h.param("target");
        String source = h.param("source");
        if (!CONNECTION_ID.matcher(connectionId).matches()) {
            return "missing connectionId in path";
        }
        if (target == null || target.isEmpty()) {
            return "missing target";
        }
        if (!isRole(target)) {
            return "invalid target";
        }
        if (source == null || source.isEmpty()) {
            return "missing source";
        }
        if (!isRole(source)) {
            return "invalid source";
        }
        if (source.equals(target)) {
            return "source and target needs to be different";
        }
        return null;
    }

    static Pairing pairing(Handshake h) {
        return new Pairing(h.rawPath().substring(1), h.param("source"), h.param("target"));
    }

    private static boolean isRole(String s) {
        return s.equals("wallet") || s.equals("extension");
    }
}
