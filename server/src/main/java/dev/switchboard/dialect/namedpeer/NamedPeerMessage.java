package dev.switchboard.dialect.namedpeer;

import dev.switchboard.dialect.JsonObjectScan;

/** A client frame of the named-peer protocol, as {@link NamedPeerReader} classifies it. */
sealed interface NamedPeerMessage {

    /** Not a JSON object with a string {@code type}: dropped without a word, as upstream does. */
    record Invalid() implements NamedPeerMessage {
    }

    /** {@code login} with {@code name} (or its alias {@code id}); null when neither is a string. */
    /**
     * {@code resume}: the client's {@code resume} member — null when absent or falsy, {@code ""} for {@code true}
     * (it asks for a secret), else the secret it shows (docs/protocols/named-peer.md#resume).
     */
    record Login(String name, String resume) implements NamedPeerMessage {
    }

    record Ping() implements NamedPeerMessage {
    }

    /** One of the four events broadcast to every other peer; {@code reason} is raw JSON (stream_stopped). */
    record Broadcast(String type, String reasonJson) implements NamedPeerMessage {
    }

    /** A message with a truthy {@code target}: relayed to that peer; {@code targetValue} as sent. */
    record Relay(String target, JsonObjectScan.Value targetValue, JsonObjectScan scan) implements NamedPeerMessage {
        /** The target's JSON text as sent (for target_not_found; made only then). */
        String targetJson() {
            return targetValue.raw(scan.frame());
        }
    }

    /**
     * A message with a target whose type is one the server itself sends (login_success, peer_connected,
     * peer_disconnected, error, pong): never relayed, so no peer can pass off its words as the server's.
     */
    record Reserved(String type) implements NamedPeerMessage {
    }

    /** Any other type without a target: ignored. */
    record Other(String type) implements NamedPeerMessage {
    }
}
