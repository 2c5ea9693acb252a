package dev.switchboard.dialect.peerjs;

import com.fasterxml.jackson.core.JsonFactory;
import dev.switchboard.dialect.JsonObjectScan;
import dev.switchboard.dialect.JsonStrings;
import java.util.Set;

/** Reads a PeerJS client frame in one streaming pass (text and binary frames alike, as upstream parses both). */
final class PeerJsReader {
    private static final Set<String> MEMBERS = Set.of("type", "dst", "payload");

    private final JsonFactory json;

    PeerJsReader(JsonFactory json) {
        this.json = json;
    }

    /** The message, or null when the frame is not a JSON object with a string type (upstream ignores it). */
    PeerJsMessage read(byte[] frame) {
        JsonObjectScan scan = JsonObjectScan.of(json, frame, MEMBERS);
        String type = scan == null ? null : scan.string("type");
        if (type == null) {
            return null;
        }
        JsonObjectScan.Value dst = scan.get("dst");
        JsonObjectScan.Value payload = scan.get("payload");
        String dstJson = dst == null ? null : dst.isString() ? JsonStrings.quote(dst.text()) : dst.raw(frame);
        return new PeerJsMessage(type, dst != null && dst.isString() ? dst.text() : null, dstJson,
                dst != null && dst.truthy(), payload == null ? null : payload.raw(frame));
    }
}
