package dev.switchboard.dialect.namedpeer;

import com.fasterxml.jackson.core.JsonFactory;
import dev.switchboard.dialect.JsonObjectScan;
import java.util.Set;

/**
 * Classifies a named-peer client frame in one streaming pass (docs/protocols/named-peer.md). Relayed messages
 * keep their scan so the writer can set {@code from} without re-encoding anything else.
 */
final class NamedPeerReader {
    static final Set<String> BROADCAST_TYPES = Set.of("stream_started", "stream_stopped", "stream_restored", "page_opened");
    /** The types of the server's own messages (NamedPeerWriter): a peer may not send them to another. */
    static final Set<String> SERVER_TYPES = Set.of("login_success", "peer_connected", "peer_disconnected", "error",
            "pong");
    private static final Set<String> MEMBERS = Set.of("type", "name", "id", "target", "reason", "from", "resume");

    private final JsonFactory json;

    NamedPeerReader(JsonFactory json) {
        this.json = json;
    }

    NamedPeerMessage read(byte[] frame) {
        JsonObjectScan scan = JsonObjectScan.of(json, frame, MEMBERS);
        String type = scan == null ? null : scan.string("type");
        if (type == null) {
            return new NamedPeerMessage.Invalid();
        }
        switch (type) {
            case "login": {
                String name = scan.string("name");
                // upstream reads `name ?? id`: the alias counts only when name is absent or null
                JsonObjectScan.Value n = scan.get("name");
                if (n == null || n.token() == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                    name = scan.string("id");
                }
                JsonObjectScan.Value resume = scan.get("resume");
                String proof = resume == null || !resume.truthy() ? null : resume.isString() ? resume.text() : "";
                return new NamedPeerMessage.Login(name, proof);
            }
            case "ping":
                return new NamedPeerMessage.Ping();
            default:
                break;
        }
        if (BROADCAST_TYPES.contains(type)) {
            JsonObjectScan.Value reason = scan.get("reason");
            return new NamedPeerMessage.Broadcast(type, reason != null && reason.truthy() ? reason.raw(frame) : null);
        }
        JsonObjectScan.Value target = scan.get("target");
        if (target != null && target.truthy() && SERVER_TYPES.contains(type)) {
            return new NamedPeerMessage.Reserved(type);
        }
        if (target != null && target.truthy()) {
            return new NamedPeerMessage.Relay(target.isString() ? target.text() : null, target, scan);
        }
        return new NamedPeerMessage.Other(type);
    }

    /** Whether a connection's first frame is a named-peer login: a JSON object whose top-level type is "login". */
    boolean isLogin(byte[] frame) {
        JsonObjectScan scan = JsonObjectScan.of(json, frame, Set.of("type"));
        return scan != null && "login".equals(scan.string("type"));
    }
}
