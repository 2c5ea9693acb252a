package dev.switchboard.transport.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.NetUtil;

/**
 * Takes the source address from a connection's PROXY protocol header (decoded by Netty's
 * {@code HAProxyMessageDecoder}, which then leaves the pipeline) to the HTTP handler, and leaves too. Whether
 * the address is believed is decided at the upgrade, by the trusted proxies. Shared: it keeps nothing.
 */
@ChannelHandler.Sharable
final class ProxySource extends ChannelInboundHandlerAdapter {
    static final ProxySource INSTANCE = new ProxySource();

    private ProxySource() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            // LOCAL: the proxy's own connection (a health check); the socket's peer is the client
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                HttpRequestHandler http = ctx.pipeline().get(HttpRequestHandler.class);
                if (http != null) {
                    http.proxiedSource(NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()));
                }
            }
        } finally {
            header.release();
            ctx.pipeline().remove(this);
        }
    }
}
