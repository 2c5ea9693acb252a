package dev.switchboard.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * The whole pipeline of a connection accepted while the node holds {@code --max-connections}: it answers 503
 * at once and closes, reading nothing, so a flood of connections costs the node no more than their accepts.
 */
@ChannelHandler.Sharable
final class AtCapacity extends ChannelInboundHandlerAdapter {
    static final AtCapacity INSTANCE = new AtCapacity();
    private static final String BODY = "node at its connection limit";
    private static final ByteBuf RESPONSE = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                    + BODY.length() + "\r\nRetry-After: 5\r\nConnection: close\r\n\r\n" + BODY,
            StandardCharsets.US_ASCII)).asReadOnly();

    private AtCapacity() {
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(RESPONSE.duplicate()).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        io.netty.util.ReferenceCountUtil.release(msg);
    }
}
