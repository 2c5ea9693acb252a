package dev.switchboard.auth;

/** A token that does not verify; the message is the short reason a client is told ("expired", …). */
public final class InvalidTokenException extends Exception {
    public InvalidTokenException(String reason) {
        super(reason, null, false, false);
    }
}
