package dev.switchboard.grpc;

import dev.switchboard.core.hub.Hub;
import dev.switchboard.auth.Authenticator;
import dev.switchboard.grpc.internal.GrpcTls;
import dev.switchboard.grpc.internal.ResumeHeader;
import dev.switchboard.grpc.internal.StreamAdmission;
import dev.switchboard.grpc.internal.Streams;
import dev.switchboard.grpc.internal.TokenCheck;
import dev.switchboard.limits.MessageBudget;
import dev.switchboard.metrics.Metrics;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client/worker WebRTC negotiation over bidirectional gRPC streams (docs/protocols/grpc-client-worker.md), on its
 * own port, with server reflection unless turned off (grpcurl then works without the .proto), keepalive, a
 * message size limit and an idle-stream timeout.
 */
public final class GrpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    /** Longest wait for the answer to a keepalive ping. */
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);

    private final Streams streams;
    private final Server server;
    private final ScheduledExecutorService idleSweeper;
    public GrpcServer(Hub hub, Metrics metrics, String host, int port, Duration idleTimeout,
            long maxQueuedBytes, boolean reflection, int maxStreamsPerConnection, Authenticator auth, GrpcTls tls,
            MessageBudget budget, Limits limits, Duration pingInterval) throws IOException {
        this.idleSweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-grpc-timer");
            t.setDaemon(true);
            return t;
        });
        this.streams = new Streams(hub, metrics.dialect(Streams.NAMESPACE), maxQueuedBytes, auth.closeOnExpiry(),
                auth.clockSkew(), budget, idleSweeper, limits.maxWorkersPerConnection());
        ServerServiceDefinition workers = streams.new WorkerService().bindService();
        ServerServiceDefinition clients = streams.new ClientService().bindService();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                // the streams' callbacks run on the Netty loop that read their message: they never block
                // (docs/design/limits.md), and a hop to a pool and back cost two thread wake-ups per relay
                // (BENCHMARKS.md, "The gRPC relay profiled")
                .directExecutor()
                .addService(workers)
                .addService(clients)
                .addService(withoutPackage(workers))
                .addService(withoutPackage(clients))
                .intercept(new ResumeHeader())
                .intercept(new TokenCheck(auth, metrics))
                .intercept(new StreamAdmission(streams::openStreams, limits.maxStreams(), metrics));
        if (tls != null) {
            builder.sslContext(tls.context());
        }
        if (reflection) {
            builder.addService(ProtoReflectionServiceV1.newInstance());
        }
        this.server = builder
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                // one connection cannot open streams (and their buffers and threads' work) without bound
                .maxConcurrentCallsPerConnection(maxStreamsPerConnection)
                // the WebSocket side's --ping-interval (grpc-java raises it to 10 s at least); an answer may take 10 s,
                // or the interval if that is shorter
                .keepAliveTime(pingInterval.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(Math.min(KEEPALIVE_TIMEOUT.toMillis(), pingInterval.toMillis()), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build()
                .start();
        long every = Math.max(100, Math.min(1000, idleTimeout.toMillis() / 4));
        idleSweeper.scheduleAtFixedRate(() -> streams.closeIdle(idleTimeout), every, every, TimeUnit.MILLISECONDS);
        log.info("gRPC listening on {}:{} ({})", host, port(), tls == null ? "plaintext"
                : "TLS with " + tls.providerName());
    }

    /**
     * The same service, same handlers, under its name without the proto package: the original sketch's proto
     * declares none, so stubs generated from it call {@code /WorkerService/NegotiatePeerConnection}
     * (docs/protocols/grpc-client-worker.md#differences-from-upstream).
     */
    private static ServerServiceDefinition withoutPackage(ServerServiceDefinition service) {
        String name = service.getServiceDescriptor().getName();
        String bare = name.substring(name.lastIndexOf('.') + 1);
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(bare);
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            addRenamed(builder, bare, method);
        }
        return builder.build();
    }

    private static <Q, R> void addRenamed(ServerServiceDefinition.Builder builder, String service,
            ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
        builder.addMethod(descriptor.toBuilder()
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, descriptor.getBareMethodName()))
                .build(), method.getServerCallHandler());
    }

    /**
     * How many streams the node takes, and how many workers one connection may register.
     *
     * @param maxStreams              streams open at once on the node
     * @param maxWorkersPerConnection workers registered on one connection at once
     */
    public record Limits(int maxStreams, int maxWorkersPerConnection) {
    }

    public int port() {
        return server.getPort();
    }

    public int openStreams() {
        return streams.openStreams();
    }

    /** Stops accepting calls and ends every stream (UNAVAILABLE, "server shutting down"); does not wait. */
    public void beginShutdown() {
        idleSweeper.shutdownNow();
        server.shutdown();
        streams.closeAll();
    }

    /** Ends every stream and stops within {@code timeout}. */
    public void close(Duration timeout) {
        beginShutdown();
        try {
            if (!server.awaitTermination(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
