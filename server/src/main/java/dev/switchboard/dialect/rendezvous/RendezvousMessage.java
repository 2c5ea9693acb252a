package dev.switchboard.dialect.rendezvous;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.dialect.JsonObjectScan;

/** A Rendezvous client frame, as {@link RendezvousReader} classifies it. */
sealed interface RendezvousMessage {

    /** Anything the server answers with an error message: {@code reason} says what is wrong. */
    record Bad(String reason) implements RendezvousMessage {
    }

    /** {@code register} with its public JWK and, optionally, a signature of the challenge nonce. */
    record Register(JsonNode publicKey, String signature) implements RendezvousMessage {
    }

    /** {@code offer}, {@code answer} or {@code ice-candidate} addressed to a peer ({@code to} kept for the splice). */
    record Relay(String to, JsonObjectScan.Value toMember, JsonObjectScan scan) implements RendezvousMessage {
    }
}
