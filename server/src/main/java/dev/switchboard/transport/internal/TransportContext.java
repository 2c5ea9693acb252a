package dev.switchboard.transport.internal;

import dev.switchboard.auth.Authenticator;
import dev.switchboard.dialect.DialectRouter;
import dev.switchboard.ice.IceServers;
import dev.switchboard.metrics.Metrics;
import dev.switchboard.tls.ServerTls;
import dev.switchboard.transport.HttpResponder;
import dev.switchboard.transport.TransportOptions;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection of one server shares: config, routing, metrics, the outlet, the registry, the cap. */
public final class TransportContext {
    final TransportOptions config;
    final DialectRouter router;
    final HttpResponder responder;
    final Metrics metrics;
    final WebSocketOutlet outlet;
    final ConnectionRegistry connections;
    final ResolvedTransport transport;
    final OutboundCap outboundCap;
    final Authenticator auth;
    final IceServersEndpoint iceServers;
    final Admission admission;
    /** TLS of every connection, or null: plaintext. */
    final ServerTls tls;
    private final String idPrefix;
    private final AtomicLong ids = new AtomicLong();
    /** Decoder settings by message limit: shared, since every connection's decoder keeps a reference. */
    private final ConcurrentHashMap<Integer, WebSocketDecoderConfig> decoderConfigs = new ConcurrentHashMap<>();

    public TransportContext(TransportOptions config, DialectRouter router, HttpResponder responder,
                            Metrics metrics, String nodeId, Authenticator auth, IceServers ice, ServerTls tls) {
        this.auth = auth;
        this.tls = tls;
        this.iceServers = new IceServersEndpoint(ice, auth, config.origins(), metrics);
        this.config = config;
        this.router = router;
        this.responder = responder;
        this.metrics = metrics;
        this.outlet = new WebSocketOutlet();
        this.connections = new ConnectionRegistry(metrics, config.bufferBudgetBytes());
        this.transport = ResolvedTransport.resolve(config.ioTransport());
        this.outboundCap = new OutboundCap(transport.flushIsSynchronous(), config.maxOutboundBytes());
        this.idPrefix = nodeId + '.';
        this.admission = new Admission(config.connectionLimits());
        metrics.gauge("switchboard.tcp.connections", "TCP connections open on the WebSocket/HTTP port (upgraded or not)",
                admission::open);
    }

    public ResolvedTransport transport() {
        return transport;
    }

    /** The node-wide buffer budget's check; from a timer of its own, a few times a second. */
    public void checkBufferBudget() {
        connections.checkBudget();
    }

    /** Forgets what the per-address limits no longer need; from the keepalive timer. */
    public void sweep() {
        connections.sweep();
        admission.sweep();
    }

    public ConnectionRegistry connections() {
        return connections;
    }

    WebSocketDecoderConfig decoderConfig(int maxMessageBytes) {
        return decoderConfigs.computeIfAbsent(maxMessageBytes, max ->
                WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(max)
                        .allowExtensions(config.compression())
                        .closeOnProtocolViolation(false) // WebSocketConnection closes, without resetting the socket
                        .build());
    }

    /** Connection ids are unique in the cluster: the node id, then a counter in base 36. */
    String nextId() {
        return idPrefix + Long.toString(ids.incrementAndGet(), 36);
    }
}
