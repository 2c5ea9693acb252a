package dev.switchboard.dialect;

import com.fasterxml.jackson.core.JsonFactory;
import dev.switchboard.core.ArrivalWatcher;
import dev.switchboard.metrics.Negotiations;
import java.util.Set;

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

    /** Relayed messages were read and checked by the node that sent them; this only finds two members. */
    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> TYPE_AND_FROM = Set.of("type", "from");

    /**
     * Watches direct messages from other nodes whose top-level {@code type} names the step and {@code from} the
     * sender (named-peer and Rendezvous relays, as their writers make them), for {@link Negotiations#arrived}.
     *
     * @param oneRoom true when the dialect has a single room (named-peer), whose name the sender's node did not use
     */
    public static ArrivalWatcher directMessages(Negotiations negotiations, boolean oneRoom) {
        return (room, targetId, envelope) -> {
            if (targetId == null) {
                return; // a broadcast (named-peer's stream events): no negotiation step
            }
            JsonObjectScan scan = JsonObjectScan.of(JSON, envelope.payload(), TYPE_AND_FROM);
            Negotiations.Signal kind = scan == null ? null : of(scan.string("type"));
            if (kind != null) {
                negotiations.arrived(oneRoom ? "" : room.name(), scan.string("from"), targetId, kind);
            }
        };
    }
}
