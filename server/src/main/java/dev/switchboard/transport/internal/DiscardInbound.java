package dev.switchboard.transport.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Put first in the pipeline of a connection that is closing after a protocol violation: it keeps the socket
 * read, so the close is a clean FIN rather than a reset, while nothing more reaches the decoder.
 */
@ChannelHandler.Sharable
final class DiscardInbound extends ChannelInboundHandlerAdapter {
    static final DiscardInbound INSTANCE = new DiscardInbound();

    private DiscardInbound() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }
}
