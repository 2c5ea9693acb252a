package dev.switchboard.dialect;

import dev.switchboard.metrics.Negotiations;

/**
 * Which negotiation step a relayed message's type names, for telemetry (docs/design/telemetry.md): the words
 * the dialects use for an SDP offer, an SDP answer and ICE candidates.
 */
public final class SignalTypes {
    private SignalTypes() {
    }

    /** The step {@code type} names, or null for any other message (nothing to count). */
    public static Negotiations.Signal of(String type) {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case "offer" -> Negotiations.Signal.OFFER;
            case "answer" -> Negotiations.Signal.ANSWER;
            case "candidate", "ice-candidate", "iceCandidate", "iceCandidates" -> Negotiations.Signal.CANDIDATE;
            default -> null;
        };
    }
}
