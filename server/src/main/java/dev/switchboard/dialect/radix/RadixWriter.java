package dev.switchboard.dialect.radix;

import dev.switchboard.dialect.JsonStrings;
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

    private static final byte[] CONFIRMATION = bytes("{\"info\":\"confirmation\",\"requestId\":");
    private static final byte[] REMOTE_DATA = bytes("{\"info\":\"remoteData\",\"data\":");

    /** @param quotedRequestId the request id as a JSON string, UTF-8 (made once for the relay and its answer) */
    static byte[] confirmation(byte[] quotedRequestId) {
        byte[] out = new byte[CONFIRMATION.length + quotedRequestId.length + 1];
        System.arraycopy(CONFIRMATION, 0, out, 0, CONFIRMATION.length);
        System.arraycopy(quotedRequestId, 0, out, CONFIRMATION.length, quotedRequestId.length);
        out[out.length - 1] = '}';
        return out;
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

    /**
     * The sender's whole message, bytes kept, wrapped for its target.
     *
     * @param sender what {@link #sender} gives for the sender's id (made once per socket)
     * @param quotedRequestId the request id as a JSON string, UTF-8
     */
    static byte[] remoteData(RadixMessage.Signal signal, byte[] sender, byte[] quotedRequestId) {
        byte[] object = signal.object();
        byte[] out = new byte[REMOTE_DATA.length + object.length + sender.length + quotedRequestId.length + 1];
        int i = 0;
        for (byte[] part : new byte[][] {REMOTE_DATA, object, sender, quotedRequestId}) {
            System.arraycopy(part, 0, out, i, part.length);
            i += part.length;
        }
        out[i] = '}';
        return out;
    }

    /** What follows the message in {@link #remoteData}, up to the request id: {@code ,"remoteClientId":<id>,"requestId":}. */
    static byte[] sender(String senderId) {
        return bytes(",\"remoteClientId\":" + JsonStrings.quote(senderId) + ",\"requestId\":");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
