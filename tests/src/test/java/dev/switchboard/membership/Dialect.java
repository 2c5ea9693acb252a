package dev.switchboard.membership;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** The dialects with membership, and how each says "these are here", "X joined" and "X left" on the wire. */
enum Dialect {
    NAMED_PEER("named-peer"),
    RENDEZVOUS("Rendezvous"),
    RADIX("Radix");

    private static final ObjectMapper JSON = new ObjectMapper();

    final String label;

    Dialect(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }

    /** What a frame says about membership. */
    enum Kind {
        /** The list a joiner gets (named-peer, Rendezvous); for Radix one remoteClientIsAlreadyConnected. */
        LIST,
        JOIN,
        LEAVE,
        /** Anything else: no frame but these is expected in the scenarios. */
        OTHER
    }

    record Notice(Kind kind, List<String> ids) {
        static final Notice OTHER = new Notice(Kind.OTHER, List.of());
    }

    Notice parse(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (Exception notJson) {
            return Notice.OTHER;
        }
        if (n == null || !n.isObject()) {
            return Notice.OTHER;
        }
        switch (this) {
            case NAMED_PEER -> {
                switch (n.path("type").asText()) {
                    case "login_success":
                        return new Notice(Kind.LIST, texts(n.path("clients"), null));
                    case "peer_connected":
                        return new Notice(Kind.JOIN, List.of(n.path("peer").asText()));
                    case "peer_disconnected":
                        return new Notice(Kind.LEAVE, List.of(n.path("peer").asText()));
                    default:
                        return Notice.OTHER;
                }
            }
            case RENDEZVOUS -> {
                switch (n.path("type").asText()) {
                    case "welcome":
                        return new Notice(Kind.LIST, texts(n.path("peers"), "id"));
                    case "peer-joined":
                        return new Notice(Kind.JOIN, List.of(n.path("peerId").asText()));
                    case "peer-left":
                        return new Notice(Kind.LEAVE, List.of(n.path("peerId").asText()));
                    default:
                        return Notice.OTHER;
                }
            }
            default -> {
                String id = n.path("remoteClientId").asText();
                switch (n.path("info").asText()) {
                    case "remoteClientIsAlreadyConnected":
                        return new Notice(Kind.LIST, List.of(id));
                    case "remoteClientJustConnected":
                        return new Notice(Kind.JOIN, List.of(id));
                    case "remoteClientDisconnected":
                        return new Notice(Kind.LEAVE, List.of(id));
                    default:
                        return Notice.OTHER;
                }
            }
        }
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : array) {
            out.add(field == null ? e.asText() : e.path(field).asText());
        }
        return out;
    }
}
