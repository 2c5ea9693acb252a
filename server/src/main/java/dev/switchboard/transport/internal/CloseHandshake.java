package dev.switchboard.transport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket close handshake (RFC 6455 §7) and the close codes a connection ends with. Stateless: whether a
 * connection is closing is the connection's own flag.
 */
final class CloseHandshake {
    /** How long a close handshake this side started may wait for the peer's answer. */
    static final long ANSWER_WAIT_MILLIS = 1000;
    static final int TOO_BIG = 1009;
    static final int INVALID_UTF8 = 1007;
    static final int INTERNAL_ERROR = 1011;
    static final int PROTOCOL_ERROR = 1002;
    static final int POLICY_VIOLATION = 1008;

    private CloseHandshake() {
    }

    /**
     * Sends a close frame ({@code code} -1: without a status, as the upstream y-webrtc server does), then closes
     * when the peer answers or after {@link #ANSWER_WAIT_MILLIS}: closing a socket with unread input resets it,
     * and a reset can destroy the close frame before the peer reads it.
     */
    static void start(Channel channel, int code, String reason) {
        CloseWebSocketFrame frame = code == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, reason);
        channel.writeAndFlush(frame).addListener((ChannelFutureListener) written -> {
            if (!written.isSuccess()) {
                channel.close();
            } else {
                channel.eventLoop().schedule(() -> {
                    channel.close();
                }, ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * The peer started the handshake: echo its status code (none if it sent none) and close. A code no endpoint
     * may send (RFC 6455 §7.4: below 1000, 1004–1006, 1015, unassigned 1016–2999, 5000 and up) is a protocol
     * error, answered with 1002 instead of echoed.
     */
    static void answer(Channel channel, CloseWebSocketFrame peers) {
        int code = peers.statusCode();
        CloseWebSocketFrame echo = code == -1 ? new CloseWebSocketFrame()
                : sendable(code) ? new CloseWebSocketFrame(code, "")
                : new CloseWebSocketFrame(PROTOCOL_ERROR, "Invalid close code");
        channel.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Whether an endpoint may send {@code code} in a close frame (RFC 6455 §7.4, IANA's registry). Written here:
     * Netty's {@code WebSocketCloseStatus.isValidStatusCode} takes 5000 and up, which no endpoint may send.
     */
    static boolean sendable(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    /** The close code for a frame the decoder refused: its own (1009 for too big), or 1002. */
    static int codeFor(CorruptedWebSocketFrameException refused) {
        return refused.closeStatus() == null ? PROTOCOL_ERROR : refused.closeStatus().code();
    }

    /** The close reason for a frame the decoder refused: its message when it fits a close frame's 125 bytes. */
    static String reasonFor(CorruptedWebSocketFrameException refused) {
        String why = refused.getMessage();
        // Netty's messages are short, but a close frame's payload must not pass 125 bytes
        return why == null || why.length() > 100 ? "Protocol error" : why;
    }
}
