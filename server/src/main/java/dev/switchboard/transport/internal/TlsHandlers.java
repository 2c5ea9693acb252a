package dev.switchboard.transport.internal;

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
     * connection (a client that opens and says nothing holds a descriptor for nothing).
     */
    static SslHandler handler(ServerTls tls, SocketChannel ch, long handshakeMillis) {
        SslHandler handler = tls.newHandler(ch.alloc());
        handler.setHandshakeTimeoutMillis(handshakeMillis);
        handler.handshakeFuture().addListener(done -> {
            if (!done.isSuccess()) {
                // a client that does not trust the certificate, speaks TLS 1.1 or plain HTTP: its connection alone ends
                log.debug("TLS handshake with {} failed: {}", ch.remoteAddress(), done.cause().getMessage());
            }
        });
        return handler;
    }
}
