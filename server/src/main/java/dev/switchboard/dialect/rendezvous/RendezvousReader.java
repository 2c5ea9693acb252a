package dev.switchboard.dialect.rendezvous;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.dialect.JsonObjectScan;
import java.io.IOException;
import java.util.Set;

/**
 * Reads Rendezvous client frames. Relays are scanned once and spliced (their payload is never re-encoded);
 * {@code register}, once per connection, is read as a tree for its JWK.
 */
final class RendezvousReader {
    static final Set<String> RELAY_TYPES = Set.of("offer", "answer", "ice-candidate");
    private static final Set<String> MEMBERS = Set.of("type", "to", "from");

    private final JsonFactory json;
    private final ObjectMapper mapper;

    RendezvousReader(JsonFactory json) {
        this.json = json;
        this.mapper = new ObjectMapper(json);
    }

    RendezvousMessage read(byte[] frame) {
        JsonObjectScan scan = JsonObjectScan.of(json, frame, MEMBERS);
        if (scan == null) {
            return new RendezvousMessage.Bad(JsonObjectScan.rootType(json, frame) == null
                    ? "invalid JSON" : "a message must be a JSON object");
        }
        String type = scan.string("type");
        if (type == null) {
            return new RendezvousMessage.Bad("a message needs a string \"type\"");
        }
        if (type.equals("register")) {
            try {
                JsonNode message = mapper.readTree(frame);
                JsonNode signature = message.get("signature");
                if (signature != null && !signature.isNull() && !signature.isTextual()) {
                    return new RendezvousMessage.Bad("signature must be a base64url string");
                }
                return new RendezvousMessage.Register(message.get("publicKey"),
                        signature == null || signature.isNull() ? null : signature.asText());
            } catch (IOException e) {
                return new RendezvousMessage.Bad("invalid JSON");
            }
        }
        if (!RELAY_TYPES.contains(type)) {
            return new RendezvousMessage.Bad("unknown message type: " + type);
        }
        if (scan.count("from") > 1) {
            return new RendezvousMessage.Bad("\"from\" is set by the server"); // one would be left in place
        }
        if (scan.count("to") != 1 || scan.string("to") == null || scan.string("to").isEmpty()) {
            return new RendezvousMessage.Bad("\"to\" must be one peer ID");
        }
        return new RendezvousMessage.Relay(scan.string("to"), scan.get("to"), scan);
    }
}
