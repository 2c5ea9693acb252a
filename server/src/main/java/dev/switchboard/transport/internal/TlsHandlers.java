package dev.switchboard.transport.internal;

import dev.switchboard.metrics.Metrics;
import dev.switchboard.tls.ServerTls;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The TLS handler every listener of the node puts first on a connection. */
final class TlsHandlers {
    private static final Logger log = LoggerFactory.getLogger(TlsHandlers.class);

    private TlsHandlers() {
    }

    /**
     * A handler with the certificate current now; a handshake not done within {@code handshakeMillis} closes the
     * connection (a client that opens and says nothing holds a descriptor for nothing); counted in {@code metrics}
     * unless it is null (the ops port's own connections are not counted among the public port's).
     */
    static SslHandler handler(ServerTls tls, SocketChannel ch, long handshakeMillis, Metrics metrics) {
        SslHandler handler = tls.newHandler(ch.alloc());
        handler.setHandshakeTimeoutMillis(handshakeMillis);
        handler.handshakeFuture().addListener(done -> {
            if (metrics != null) {
                metrics.tlsHandshake(done.isSuccess());
            }
            if (!done.isSuccess()) {
                // a client that does not trust the certificate, speaks TLS 1.1 or plain HTTP: its connection alone ends
                log.debug("TLS handshake with {} failed: {}", ch.remoteAddress(), done.cause().getMessage());
            }
        });
        return handler;
    }
}
