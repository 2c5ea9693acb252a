package dev.switchboard.dialect.radix;

/** A client frame of Radix Connect, as {@link RadixReader} judges it (docs/protocols/radix-connect.md). */
sealed interface RadixMessage {

    /** Not JSON: answered with invalidMessageError carrying the raw text. */
    record NotJson(String raw) implements RadixMessage {
    }

    /** JSON that fails the message schema: validationError with zod-style issues. */
    record Invalid(String requestIdJson, String issuesJson) implements RadixMessage {
    }

    /** A valid signaling envelope; {@code object} is the sender's message as received, to be relayed whole. */
    record Signal(String requestId, String method, String targetClientId, byte[] object) implements RadixMessage {
    }
}
