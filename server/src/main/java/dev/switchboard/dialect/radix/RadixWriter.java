package dev.switchboard.dialect.radix;

import dev.switchboard.dialect.JsonStrings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The frames a Radix Connect signaling server sends, in upstream's key order
 * (docs/protocols/radix-connect.md#messages-from-the-server).
 */
final class RadixWriter {
    private RadixWriter() {
    }

    static byte[] notice(String info, String remoteClientId) {
        return bytes("{\"info\":\"" + info + "\",\"remoteClientId\":" + JsonStrings.quote(remoteClientId) + "}");
    }

    /** To a socket that asked for resume: its id and the token to come back with (docs/protocols/radix-connect.md#resume). */
    static byte[] resumable(String clientId, String token) {
        return bytes("{\"info\":\"resumable\",\"clientId\":" + JsonStrings.quote(clientId) + ",\"resume\":"
                + JsonStrings.quote(token) + "}");
    }

    static byte[] confirmation(String requestId) {
        return bytes("{\"info\":\"confirmation\",\"requestId\":" + JsonStrings.quote(requestId) + "}");
    }

    static byte[] missingRemoteClient(String requestId) {
        return bytes("{\"info\":\"missingRemoteClientError\",\"requestId\":" + JsonStrings.quote(requestId) + "}");
    }

    static byte[] invalidMessage(String raw) {
        return bytes("{\"info\":\"invalidMessageError\",\"data\":" + JsonStrings.quote(raw)
                + ",\"error\":\"invalid message format, expected JSON\"}");
    }

    static byte[] validationError(String requestIdJson, String issuesJson) {
        return bytes("{\"info\":\"validationError\"" + (requestIdJson == null ? "" : ",\"requestId\":" + requestIdJson)
                + ",\"error\":" + issuesJson + "}");
    }

    /** The sender's whole message, bytes kept, wrapped for its target. */
    static byte[] remoteData(RadixMessage.Signal signal, String senderId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(signal.object().length + 128);
        out.writeBytes(bytes("{\"info\":\"remoteData\",\"data\":"));
        out.writeBytes(signal.object());
        out.writeBytes(bytes(",\"remoteClientId\":" + JsonStrings.quote(senderId) + ",\"requestId\":"
                + JsonStrings.quote(signal.requestId()) + "}"));
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
