package dev.switchboard.transport;

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
 * @param pingInterval     how often connections are pinged (and swept)
 */
public record TransportOptions(String host, int port, int ioThreads, IoTransport ioTransport, int maxOutboundBytes,
                               boolean compression, Duration pingInterval) {
    public TransportOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(ioTransport, "ioTransport");
        Objects.requireNonNull(pingInterval, "pingInterval");
    }
}
