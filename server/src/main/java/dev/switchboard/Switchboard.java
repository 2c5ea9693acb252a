package dev.switchboard;

import dev.switchboard.auth.Authenticator;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.core.ResumeLimits;
import dev.switchboard.ice.IceServers;
import dev.switchboard.config.Option;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.core.bus.Bus;
import dev.switchboard.core.bus.BusStatus;
import dev.switchboard.core.bus.ClusterView;
import dev.switchboard.core.bus.InMemoryBus;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectRouter;
import dev.switchboard.dialect.FirstFrameSelector;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.dialect.SignalTypes;
import dev.switchboard.dialect.namedpeer.NamedPeerDialect;
import dev.switchboard.dialect.peerjs.PeerJsDialect;
import dev.switchboard.dialect.peerjs.PeerJsHttp;
import dev.switchboard.dialect.peerjs.PeerJsOptions;
import dev.switchboard.transport.HttpResponder;
import dev.switchboard.transport.IoLoops;
import java.util.concurrent.CompletionStage;
import dev.switchboard.dialect.radix.RadixDialect;
import dev.switchboard.dialect.rendezvous.RendezvousDialect;
import dev.switchboard.dialect.ywebrtc.YWebrtcDialect;
import dev.switchboard.metrics.Metrics;
import dev.switchboard.ops.NodeStatus;
import dev.switchboard.ops.OpsEndpoints;
import dev.switchboard.transport.NettyServer;
import dev.switchboard.transport.PlainHttpServer;
import dev.switchboard.transport.TransportOptions;
import dev.switchboard.transport.TransportUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Predicate;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Switchboard node: the hub on its bus, the dialects, the Netty server and the operations
 * endpoints, wired together. {@link #start} returns once the port is bound; {@link #close} shuts down
 * gracefully within the configured drain time.
 */
public final class Switchboard implements AutoCloseable, NodeStatus {
    private static final Logger log = LoggerFactory.getLogger(Switchboard.class);
    /**
     * Close code and reason every socket gets on a graceful shutdown
     * (docs/design/cluster-bus.md#graceful-shutdown).
     */
    public static final int SHUTDOWN_CODE = 1001;
    public static final String SHUTDOWN_REASON = "Server shutting down";

    private final SwitchboardConfig config;
    private final Bus bus;
    private final Hub hub;
    private final Metrics metrics;
    private final NettyServer server;
    /** The ops port's listener, or null when /health, /ready and /metrics are all on the public port. */
    private final PlainHttpServer opsServer;
    /** Services beside the WebSocket port (gRPC), by name, in start order. */
    private final Map<String, NodeService.Running> services = new java.util.LinkedHashMap<>();
    private final ExecutorService opsExecutor;
    private final Authenticator auth;
    private final PeerJsDialect peerjs;
    /** The ports' TLS, or null when they are plaintext. */
    private final NodeTls tls;
    private final long startedNanos = System.nanoTime();
    /** Set when {@link #start} has brought up every listener and service: until then /ready answers 503. */
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Switchboard(SwitchboardConfig config, Bus bus, Authenticator auth, IceServers ice, NodeTls tls,
                        IoLoops loops) {
        this.config = config;
        this.tls = tls;
        this.bus = bus;
        this.auth = auth;
        this.metrics = new Metrics(config.get(NodeOptions.NEGOTIATION_TIMEOUT));
        this.hub = new Hub(bus, new ResumeLimits(config.get(NodeOptions.RESUME_WINDOW),
                config.get(NodeOptions.RESUME_MAX_MESSAGES), config.get(NodeOptions.RESUME_MAX_BYTES)));
        YWebrtcDialect ywebrtc = new YWebrtcDialect(hub, config.maxFrameBytes(), config.maxJsonDepth(),
                config.maxTopicsPerConnection(), config.maxTopicNameLength(), config.get(NodeOptions.MAX_TOPIC_BYTES),
                config.nodeTopicBudgetBytes());
        NamedPeerDialect namedPeer = new NamedPeerDialect(hub, config.maxFrameBytes(), config.maxJsonDepth(),
                config.namedPeerMaxFramesPerSecond(), ice);
        // Dialects register their paths here (docs/design/routing.md); the order of registration is the order of
        // matching.
        // Every other path: y-webrtc, or named-peer when the first frame is a login.
        Router router = new Router(new FirstFrameSelector(ywebrtc, namedPeer, namedPeer::isLogin));
        for (DialectProvider provider : ServiceLoader.load(DialectProvider.class, Switchboard.class.getClassLoader())) {
            router.route(provider::matches, provider.create(hub, config));
        }
        this.peerjs = new PeerJsDialect(hub, new PeerJsOptions(config.get(NodeOptions.PEERJS_PATH),
                config.get(NodeOptions.PEERJS_KEY), config.get(NodeOptions.PEERJS_ALIVE_TIMEOUT),
                config.get(NodeOptions.PEERJS_EXPIRE_TIMEOUT), config.get(NodeOptions.PEERJS_ALLOW_DISCOVERY),
                config.get(NodeOptions.PEERJS_CONCURRENT_LIMIT), config.get(NodeOptions.PEERJS_QUEUE_LIMIT)),
                config.maxFrameBytes(), config.maxJsonDepth());
        router.route(peerjs::matches, peerjs);
        router.route(RendezvousDialect::matches, new RendezvousDialect(hub, config.maxFrameBytes(), config.maxJsonDepth(),
                config.rendezvousRequireProof(), ice));
        router.route(RadixDialect::matches, new RadixDialect(hub, config.radixMaxMessageBytes(), config.maxJsonDepth(),
                config.radixMaxFramesPerSecond(), 1000));
        // the other side of exchanges whose peers are on other nodes (docs/design/telemetry.md#one-nodes-view)
        hub.watchArrivals(YWebrtcDialect.NAMESPACE, YWebrtcDialect.arrivals(
                metrics.dialect(YWebrtcDialect.NAMESPACE).negotiations(), config.maxJsonDepth(), config.maxFrameBytes()));
        hub.watchArrivals(NamedPeerDialect.NAMESPACE, SignalTypes.directMessages(
                metrics.dialect(NamedPeerDialect.NAMESPACE).negotiations(), true));
        hub.watchArrivals(RendezvousDialect.NAMESPACE, SignalTypes.directMessages(
                metrics.dialect(RendezvousDialect.NAMESPACE).negotiations(), false));
        hub.watchArrivals(RadixDialect.NAMESPACE, RadixDialect.arrivals(
                metrics.dialect(RadixDialect.NAMESPACE).negotiations()));
        this.opsExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "switchboard-ops");
            t.setDaemon(true);
            return t;
        });
        OpsEndpoints ops = new OpsEndpoints(this, metrics, bus instanceof ClusterView view ? view : null, opsExecutor);
        TransportOptions transport = new TransportOptions(config.host(), config.port(), config.ioThreads(),
                config.ioTransport(), config.maxOutboundBytes(), config.compression(), config.pingInterval(),
                config.trustedProxies(), config.proxyProtocol(), config.originPolicy(), router.largestMessage(),
                config.get(NodeOptions.HANDSHAKE_TIMEOUT), config.connectionLimits(), config.messageBudget(),
                config.bufferBudgetBytes(), config.get(NodeOptions.MAX_UNREAD_NOTICES));
        HttpResponder http = withPeerJs(new PeerJsHttp(peerjs, config.originPolicy()::allows),
                config.opsPort() < 0 ? ops : ops.publicPort());
        this.server = new NettyServer(transport, router, http, metrics, bus.nodeId(), auth, ice,
                tls == null ? null : tls.publicPort, loops);
        this.opsServer = config.opsPort() < 0 ? null
                : new PlainHttpServer(config.opsHost(), config.opsPort(), config.ioTransport(), ops.opsPort(),
                        tls == null ? null : tls.opsPort);
        metrics.gauge("switchboard.rooms", "Rooms with members on this node", hub::roomCount);
        metrics.gauge("switchboard.ywebrtc.topic.bytes", "What this node's y-webrtc subscriptions take of "
                + "--max-node-topic-bytes (names and a fixed overhead each)", ywebrtc::topicBytes);
        metrics.gauge("switchboard.resume.parked", "Peers of this node whose connection dropped, kept for their "
                + "resume (docs/design/resume.md)", () -> hub.resumeStats().parked());
        metrics.counter("switchboard.resume.resumed", "Peers that came back within the resume window and took "
                + "their identity over", () -> hub.resumeStats().resumed());
        metrics.counter("switchboard.resume.expired", "Parked peers that left when the resume window ended",
                () -> hub.resumeStats().expired());
        metrics.counter("switchboard.resume.messages.kept", "Messages kept for parked peers",
                () -> hub.resumeStats().kept());
        metrics.counter("switchboard.resume.messages.dropped", "Messages for parked peers dropped: the mailbox "
                + "held --resume-max-messages or --resume-max-bytes", () -> hub.resumeStats().dropped());
        metrics.counter("switchboard.resume.sent.on", "Messages that reached this node for a peer that had resumed "
                + "on another node, sent on there (docs/design/resume.md#order-across-a-move)",
                () -> hub.resumeStats().sentOn());
        metrics.counter("switchboard.resume.fences.timed.out", "Fences keeping one sender's order across a peer's "
                + "move that were not answered within 2 s; the sends behind them went on unordered",
                () -> hub.resumeStats().fencesTimedOut());
        metrics.gauge("switchboard.cluster.nodes", "Live nodes in the cluster", () -> bus.status().nodes());
        metrics.gauge("switchboard.cluster.connected", "1 when the cluster bus is reachable",
                () -> bus.status().connected() ? 1 : 0);
        metrics.gauge("switchboard.cluster.hop.seconds", "Last measured time for a message to cross the bus",
                () -> bus.status().hopMillis() / 1000.0);
        metrics.counter("switchboard.cluster.subscription.lost", "Times Redis closed this node's subscription while "
                + "staying reachable (a node too far behind on its reads; docs/design/cluster-bus.md"
                + "#a-subscriber-that-falls-behind): the cross-node messages waiting for it were lost",
                () -> bus.status().subscriptionsLost());
    }

    /** The PeerJS endpoints first (docs/protocols/peerjs.md#http), every other request as before. */
    private static HttpResponder withPeerJs(PeerJsHttp peerjs, HttpResponder rest) {
        return new HttpResponder() {
            @Override
            public CompletionStage<Reply> respond(String method, String path) {
                return respond(new Request(method, path, null, null));
            }

            @Override
            public CompletionStage<Reply> respond(Request request) {
                CompletionStage<PeerJsHttp.Answer> answer = peerjs.answer(request.method(), request.path(),
                        request.origin(), request.accessControlRequestHeaders());
                if (answer == null) {
                    return rest.respond(request);
                }
                return answer.thenApply(a -> new Reply(a.status(), a.contentType(), a.body(), a.headers()));
            }
        };
    }

    /** Starts a node: on Redis when the config names one, else alone on the in-memory bus. */
    public static Switchboard start(SwitchboardConfig config) throws InterruptedException {
        String nodeId = config.nodeId() != null ? config.nodeId() : generateNodeId();
        if (config.redisUri() == null) {
            return start(config, new InMemoryBus(nodeId));
        }
        String safeUri = config.redisUri().replaceAll("//[^@/]*@", "//***@");
        BusProvider provider = null;
        for (BusProvider candidate : ServiceLoader.load(BusProvider.class, Switchboard.class.getClassLoader())) {
            if (candidate.supports(config.redisUri())) {
                provider = candidate;
                break;
            }
        }
        if (provider == null) {
            throw new NodeStartException(NodeOptions.REDIS, safeUri, "no cluster bus on the class path takes "
                    + "this URI (add dev.switchboard:switchboard-redis)", null);
        }
        // the node's network loops first: a bus that can runs its connections on them (IoLoops)
        IoLoops loops;
        try {
            loops = IoLoops.open(config.ioThreads(), config.ioTransport());
        } catch (TransportUnavailableException e) {
            throw transportUnavailable(config, e);
        }
        Bus bus;
        try {
            bus = provider.connect(config.redisUri(), nodeId, config, loops.forEpollClients());
        } catch (RuntimeException e) {
            loops.shutdown();
            throw new NodeStartException(NodeOptions.REDIS, safeUri,
                    "cannot reach Redis: " + NodeStartException.reason(e), e);
        }
        return start(config, bus, loops);
    }

    /**
     * Starts a node on the given bus (closed if the node cannot start).
     *
     * @throws NodeStartException when a port is in use or the configured transport is not available here
     */
    public static Switchboard start(SwitchboardConfig config, Bus bus) throws InterruptedException {
        return start(config, bus, null);
    }

    /** {@code loops}: the node's network loops, made already (null: the server makes its own). */
    private static Switchboard start(SwitchboardConfig config, Bus bus, IoLoops loops) throws InterruptedException {
        Authenticator auth;
        try {
            auth = authenticator(config);
        } catch (TokenVerifier.UnreadableKeys e) {
            abort(bus, loops);
            boolean jwks = e.file().toString().equals(config.get(NodeOptions.AUTH_JWKS));
            throw new NodeStartException(jwks ? NodeOptions.AUTH_JWKS : NodeOptions.AUTH_HMAC_SECRET_FILE,
                    e.file().toString(), "cannot read the keys: " + e.getMessage(), e);
        }
        IceServers ice;
        try {
            ice = iceServers(config);
        } catch (java.io.IOException e) {
            abort(bus, loops);
            auth.close();
            throw new NodeStartException(NodeOptions.TURN_SECRET_FILE, config.get(NodeOptions.TURN_SECRET_FILE),
                    "cannot read the secret: " + NodeStartException.reason(e), e);
        }
        NodeTls tls;
        try {
            tls = NodeTls.open(config);
        } catch (NodeStartException e) {
            abort(bus, loops);
            auth.close();
            throw e;
        }
        Switchboard node;
        try {
            node = new Switchboard(config, bus, auth, ice, tls, loops);
        } catch (TransportUnavailableException e) {
            abort(bus, loops);
            auth.close();
            if (tls != null) {
                tls.close();
            }
            throw transportUnavailable(config, e);
        }
        bind(node, node.server::start, NodeOptions.PORT, config.host(), config.port());
        if (node.opsServer != null) {
            bind(node, node.opsServer::start, NodeOptions.OPS_PORT, config.opsHost(), config.opsPort());
        }
        for (NodeService service : ServiceLoader.load(NodeService.class, Switchboard.class.getClassLoader())) {
            if (!service.enabled(config)) {
                continue;
            }
            try {
                node.services.put(service.name(), service.start(
                        new NodeService.Node(config, node.hub, node.metrics, node.auth,
                        tls == null ? null : tls.files)));
            } catch (NodeStartException e) {
                node.close();
                throw e;
            } catch (java.io.IOException | RuntimeException e) {
                node.close();
                // a service reports its own refusals as NodeStartException; anything else is a bug in it
                throw new IllegalStateException("cannot start the " + service.name() + " service", e);
            }
        }
        if (config.grpcPort() >= 0 && !node.services.containsKey("grpc")) {
            node.close();
            throw new NodeStartException(NodeOptions.GRPC_PORT, Integer.toString(config.grpcPort()),
                    "the gRPC service is not on the class path (add dev.switchboard:switchboard-grpc, "
                            + "or set grpc-port to -1 to run without it)", null);
        }
        node.started.set(true);
        log.info("node {} ready on port {}", bus.nodeId(), node.port());
        return node;
    }

    /** A node that did not start: its bus leaves the cluster, then the loops it may run on stop. */
    private static void abort(Bus bus, IoLoops loops) {
        bus.close();
        if (loops != null) {
            loops.shutdown();
        }
    }

    private static NodeStartException transportUnavailable(SwitchboardConfig config, TransportUnavailableException e) {
        return new NodeStartException(NodeOptions.TRANSPORT, config.ioTransport().name().toLowerCase(Locale.ROOT),
                e.getMessage() + " (" + NodeStartException.reason(e) + ")", e);
    }

    private static Authenticator authenticator(SwitchboardConfig config) {
        String jwks = config.get(NodeOptions.AUTH_JWKS);
        String secret = config.get(NodeOptions.AUTH_HMAC_SECRET_FILE);
        if (jwks == null && secret == null) {
            return Authenticator.OFF; // the configuration refuses auth modes without keys
        }
        TokenVerifier verifier = new TokenVerifier(jwks == null ? null : java.nio.file.Path.of(jwks),
                secret == null ? null : java.nio.file.Path.of(secret), config.get(NodeOptions.AUTH_ISSUER),
                config.get(NodeOptions.AUTH_AUDIENCE), config.get(NodeOptions.AUTH_CLOCK_SKEW));
        return new Authenticator(config.authModes(), verifier, config.get(NodeOptions.AUTH_CLOSE_ON_EXPIRY),
                config.get(NodeOptions.AUTH_CLOCK_SKEW));
    }

    private static IceServers iceServers(SwitchboardConfig config) throws java.io.IOException {
        String secretFile = config.get(NodeOptions.TURN_SECRET_FILE);
        byte[] secret = null;
        if (secretFile != null) {
            String text = java.nio.file.Files.readString(java.nio.file.Path.of(secretFile)).strip();
            if (text.isEmpty()) {
                throw new java.io.IOException("the file is empty");
            }
            secret = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return IceServers.of(config.get(NodeOptions.ICE_SERVERS), secret, config.get(NodeOptions.TURN_CREDENTIAL_TTL));
    }

    /** The node's token rule, for services beside the WebSocket port. */
    public Authenticator authenticator() {
        return auth;
    }

    private interface Listener {
        void start() throws InterruptedException;
    }

    /** Starts a listener of the node; if it cannot, closes the node, and names the option of an address in use. */
    private static void bind(Switchboard node, Listener listener, Option<Integer> option, String host, int port)
            throws InterruptedException {
        try {
            listener.start();
        } catch (Exception e) {
            node.close();
            if (NodeStartException.addressInUse(e)) {
                throw new NodeStartException(option, Integer.toString(port), host + ":" + port + " is already in use", e);
            }
            throw e;
        }
    }

    static String generateNodeId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    public int port() {
        return server.port();
    }

    /** Bytes written to this node's connections and not yet taken by the kernel (slow readers' backlog). */
    public long queuedBytes() {
        return server.queuedBytes();
    }

    /** The gRPC port, or -1 when the gRPC service is off. */
    public int grpcPort() {
        return servicePort("grpc");
    }

    /** The ops port (/health, /ready, /metrics apart from the public port), or -1 when --ops-port is off. */
    public int opsPort() {
        return opsServer == null ? -1 : opsServer.port();
    }

    /** The port of the named {@link NodeService}, or -1 when it is not running. */
    public int servicePort(String name) {
        NodeService.Running service = services.get(name);
        return service == null ? -1 : service.port();
    }

    public Hub hub() {
        return hub;
    }

    public Metrics metrics() {
        return metrics;
    }

    public SwitchboardConfig config() {
        return config;
    }

    /**
     * Graceful shutdown: stop accepting, leave the cluster (others see this node's members leave at once),
     * close every socket with 1001, and release everything within the drain time. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        draining.set(true);
        log.info("shutting down: {} connections to close", clientCount());
        server.stopAccepting();
        services.values().forEach(NodeService.Running::beginShutdown);
        bus.close();
        boolean clean = server.closeAll(SHUTDOWN_CODE, SHUTDOWN_REASON, remaining(deadline));
        for (NodeService.Running service : services.values()) {
            service.close(remaining(deadline));
        }
        if (!clean) {
            log.warn("drain time over with connections still open; closing them");
        }
        server.stop(remaining(deadline));
        if (opsServer != null) {
            opsServer.stop(); // last, so that /ready answers 503 there for the whole drain
        }
        opsExecutor.shutdownNow();
        peerjs.close();
        auth.close();
        if (tls != null) {
            tls.close();
        }
        metrics.close();
        log.info("node {} stopped", bus.nodeId());
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    // ---- NodeStatus ----

    @Override
    public String nodeId() {
        return bus.nodeId();
    }

    @Override
    public String version() {
        return VERSION;
    }

    /** The project's version, written into the build (never "dev": a build from source says its version too). */
    public static final String VERSION = readVersion();

    private static String readVersion() {
        try (java.io.InputStream in = Switchboard.class.getResourceAsStream("version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    @Override
    public double uptimeSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    @Override
    public int clientCount() {
        return metrics.openConnections();
    }

    @Override
    public Map<String, Integer> clientsByDialect() {
        return metrics.openConnectionsByDialect();
    }

    @Override
    public int roomCount() {
        return hub.roomCount();
    }

    @Override
    public Map<String, Integer> roomsByDialect() {
        return hub.roomCountByNamespace();
    }

    @Override
    public BusStatus bus() {
        return bus.status();
    }

    @Override
    public String transport() {
        return server.transportName();
    }

    @Override
    public Map<String, Object> tls() {
        return tls == null ? NodeStatus.super.tls() : tls.status();
    }

    @Override
    public boolean started() {
        return started.get();
    }

    @Override
    public boolean draining() {
        return draining.get();
    }

    /**
     * Which dialect serves which WebSocket upgrade (docs/design/routing.md). Specific routes are tried in order;
     * every other path goes to the shared dialect (y-webrtc, or named-peer chosen by the first frame).
     */
    private static final class Router implements DialectRouter {
        private final List<Map.Entry<Predicate<Handshake>, Dialect>> routes = new ArrayList<>();
        private Dialect shared;

        Router(Dialect shared) {
            this.shared = shared;
        }

        void route(Predicate<Handshake> matches, Dialect dialect) {
            routes.add(Map.entry(matches, dialect));
        }

        /** The largest message any routed dialect accepts. */
        int largestMessage() {
            int largest = shared.maxMessageBytes();
            for (Map.Entry<Predicate<Handshake>, Dialect> r : routes) {
                largest = Math.max(largest, r.getValue().maxMessageBytes());
            }
            return largest;
        }

        void shared(Dialect dialect) {
            this.shared = dialect;
        }

        @Override
        public Dialect route(Handshake handshake) {
            for (Map.Entry<Predicate<Handshake>, Dialect> r : routes) {
                if (r.getKey().test(handshake)) {
                    return r.getValue();
                }
            }
            return shared;
        }
    }
}
