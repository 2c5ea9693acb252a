package dev.switchboard.dialect;

/** JSON string literals written as {@code JSON.stringify} writes them, for the values a server adds itself. */
public final class JsonStrings {
    private JsonStrings() {
    }

    /** {@code s} as a JSON string literal: quotes, backslash and control characters escaped like JavaScript. */
    public static String quote(String s) {
        if (plain(s)) {
            return '"' + s + '"'; // ids and request ids, the values written per relayed message, need no escape
        }
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || (Character.isSurrogate(c) && !validPair(s, i))) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** {@link #quote} as UTF-8 bytes. */
    public static byte[] quoteUtf8(String s) {
        return quote(s).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Whether {@code s} has nothing to escape: no quote, backslash, control character or surrogate. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the surrogate at {@code i} is half of a well-formed pair (lone ones are escaped, as in JS). */
    private static boolean validPair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
