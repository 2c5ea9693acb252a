package dev.switchboard.bench.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One generated peer's connection: does the WebSocket handshake by hand, then reads server frames without
 * allocating a frame object per message (the generator must stay cheaper than the server it measures),
 * answers pings, and hands each text payload to the peer.
 */
public final class PeerHandler extends ByteToMessageDecoder {
    private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** What the generator does with a connection's events; called on the connection's event loop. */
    public interface Listener {
        void open(ChannelHandlerContext ctx);

        void text(ByteBuf payload);

        /** The end of one read from the socket: a chance to flush what the read's messages made it write. */
        void readComplete();

        void closed(String why);
    }

    private static final byte[] SWITCHING = "HTTP/1.1 101".getBytes(StandardCharsets.US_ASCII);

    private final byte[] request;
    private final Listener listener;
    private boolean open;

    public PeerHandler(String host, String path, Listener listener) {
        this(upgradeRequest(host, path), listener);
    }

    /** @param request the upgrade request ({@link #upgradeRequest}), shared by every connection to one URL */
    public PeerHandler(byte[] request, Listener listener) {
        this.request = request;
        this.listener = listener;
    }

    /** The WebSocket upgrade request for {@code path} at {@code host} ({@code host:port}). */
    public static byte[] upgradeRequest(String host, String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: c3dpdGNoYm9hcmQtYmVuYw==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.writeAndFlush(ctx.alloc().directBuffer(request.length).writeBytes(request));
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!open) {
            int end = headEnd(in);
            if (end < 0) {
                return;
            }
            int start = in.readerIndex();
            in.readerIndex(end + HEAD_END.length);
            if (!startsWith(in, start, end, SWITCHING)) {
                String head = in.toString(start, end - start, StandardCharsets.US_ASCII);
                listener.closed("handshake refused: " + head.lines().findFirst().orElse(""));
                ctx.close();
                return;
            }
            open = true;
            listener.open(ctx);
        }
        while (in.readableBytes() >= 2) {
            int start = in.readerIndex();
            int b0 = in.getUnsignedByte(start);
            int b1 = in.getUnsignedByte(start + 1);
            int len = b1 & 0x7F;
            int header = 2;
            if (len == 126) {
                if (in.readableBytes() < 4) {
                    return;
                }
                len = in.getUnsignedShort(start + 2);
                header = 4;
            } else if (len == 127) {
                if (in.readableBytes() < 10) {
                    return;
                }
                len = (int) in.getLong(start + 2);
                header = 10;
            }
            if (in.readableBytes() < header + len) {
                return;
            }
            int opcode = b0 & 0x0F;
            ByteBuf payload = in.slice(start + header, len);
            if (opcode == 0x1 || opcode == 0x2) {
                listener.text(payload);
            } else if (opcode == 0x9) {
                ctx.writeAndFlush(pong(ctx, payload));
            } else if (opcode == 0x8) {
                int code = len >= 2 ? payload.getUnsignedShort(0) : 1005;
                listener.closed("close frame " + code);
                ctx.close();
            }
            in.readerIndex(start + header + len);
        }
    }

    /** Where the response head's blank line starts, or -1 before it has arrived. */
    private static int headEnd(ByteBuf in) {
        for (int i = in.readerIndex(), last = in.writerIndex() - HEAD_END.length; i <= last; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r'
                    && in.getByte(i + 3) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(ByteBuf in, int from, int end, byte[] prefix) {
        if (end - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (in.getByte(from + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static ByteBuf pong(ChannelHandlerContext ctx, ByteBuf ping) {
        ByteBuf pong = ctx.alloc().directBuffer(6 + ping.readableBytes());
        pong.writeByte(0x8A);
        pong.writeByte(0x80 | ping.readableBytes());
        pong.writeInt(0);
        pong.writeBytes(ping, ping.readerIndex(), ping.readableBytes());
        return pong;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (open) {
            listener.readComplete();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        listener.closed("connection closed");
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        listener.closed(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        ctx.close();
    }
}
