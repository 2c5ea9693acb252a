package dev.switchboard.transport;

import dev.switchboard.limits.ConnectionLimits;
import dev.switchboard.limits.MessageBudget;
import java.time.Duration;
import java.util.Objects;

/**
 * What the transport needs of the node's configuration, and nothing else: the node's configuration is
 * validated where it is defined, and maps onto this.
 *
 * @param host             address to bind
 * @param port             port to bind (0: any free one)
 * @param ioThreads        event loops (0: Netty's default of two per core)
 * @param ioTransport      epoll, io_uring, NIO, or the best the platform has
 * @param maxOutboundBytes bytes a connection may have waiting to be sent before it is closed as a slow consumer
 * @param compression      whether permessage-deflate is offered
 * @param maxMessageBytes  the largest message any dialect accepts: with compression, no message is inflated
 *                         beyond it
 * @param handshakeTimeout time a connection has from its accept (or its previous answer) to a complete request
 * @param pingInterval     how often connections are pinged (and swept)
 * @param trustedProxies   proxies whose word on the client's address counts
 * @param proxyProtocol    whether every connection starts with a PROXY protocol header
 * @param origins          which browser origins may open a WebSocket
 * @param connectionLimits how many connections the port takes, in all and per client address
 * @param messageBudget    what one connection may send before it is throttled
 * @param bufferBudgetBytes what all connections together may make the node buffer before the heaviest are dropped
 * @param maxUnreadNotices membership notices a connection may be sent before its client acknowledges them (0: no
 *                         limit)
 */
public record TransportOptions(String host, int port, int ioThreads, IoTransport ioTransport, int maxOutboundBytes,
                               boolean compression, Duration pingInterval, TrustedProxies trustedProxies,
                               boolean proxyProtocol, OriginPolicy origins, int maxMessageBytes,
                               Duration handshakeTimeout, ConnectionLimits connectionLimits,
                               MessageBudget messageBudget, long bufferBudgetBytes,
                               int maxUnreadNotices) {
    public TransportOptions {
        Objects.requireNonNull(trustedProxies, "trustedProxies");
        Objects.requireNonNull(origins, "origins");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(ioTransport, "ioTransport");
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(connectionLimits, "connectionLimits");
        Objects.requireNonNull(messageBudget, "messageBudget");
    }
}
