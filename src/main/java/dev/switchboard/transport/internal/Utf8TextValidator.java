package dev.switchboard.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Text frames must be valid UTF-8 (RFC 6455 §8.1, close 1007): relayed as is, invalid bytes would make every
 * receiving browser fail its own connection, so one bad client could cut off a whole room. Checks eight bytes
 * at a time while they are ASCII (signaling is mostly SDP, base64 and JSON), byte by byte otherwise, across
 * the fragments of a message. Netty's own validator walks every byte.
 */
final class Utf8TextValidator extends ChannelInboundHandlerAdapter {
    private static final long HIGH_BITS = 0x8080808080808080L;

    /** Inside a text message (its first frame seen, its last not yet). */
    private boolean inText;
    /** Continuation bytes still due, and the range the next one must fall in. */
    private int need;
    private int lo = 0x80;
    private int hi = 0xBF;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        // control frames (ping, pong, close) may come between the fragments of a message: they change nothing
        if (msg instanceof TextWebSocketFrame || msg instanceof ContinuationWebSocketFrame
                || msg instanceof BinaryWebSocketFrame) {
            WebSocketFrame frame = (WebSocketFrame) msg;
            if (!(frame instanceof ContinuationWebSocketFrame)) {
                inText = frame instanceof TextWebSocketFrame;
                expect(0, 0x80, 0xBF);
            }
            if (inText) {
                if (!valid(frame.content()) || (frame.isFinalFragment() && need != 0)) {
                    frame.release();
                    throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA,
                            "bytes are not UTF-8");
                }
            }
            if (frame.isFinalFragment()) {
                inText = false;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Checks the bytes, carrying a sequence cut by the fragment's end over to the next. */
    boolean valid(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (need == 0) {
                while (i + 8 <= end && (buf.getLong(i) & HIGH_BITS) == 0) {
                    i += 8;
                }
                if (i >= end) {
                    break;
                }
            }
            int b = buf.getByte(i++) & 0xFF;
            if (need == 0) {
                if (b < 0x80) {
                    continue;
                }
                if (b >= 0xC2 && b <= 0xDF) {
                    expect(1, 0x80, 0xBF);
                } else if (b == 0xE0) {
                    expect(2, 0xA0, 0xBF); // no overlong form
                } else if (b == 0xED) {
                    expect(2, 0x80, 0x9F); // no surrogates
                } else if (b >= 0xE1 && b <= 0xEF) {
                    expect(2, 0x80, 0xBF);
                } else if (b == 0xF0) {
                    expect(3, 0x90, 0xBF); // no overlong form
                } else if (b >= 0xF1 && b <= 0xF3) {
                    expect(3, 0x80, 0xBF);
                } else if (b == 0xF4) {
                    expect(3, 0x80, 0x8F); // nothing past U+10FFFF
                } else {
                    return false;
                }
            } else {
                if (b < lo || b > hi) {
                    return false;
                }
                expect(need - 1, 0x80, 0xBF);
            }
        }
        return true;
    }

    private void expect(int count, int low, int high) {
        need = count;
        lo = low;
        hi = high;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException c && c.closeStatus() == WebSocketCloseStatus.INVALID_PAYLOAD_DATA) {
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_PAYLOAD_DATA))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireExceptionCaught(cause);
    }
}
