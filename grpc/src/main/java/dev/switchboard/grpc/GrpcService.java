package dev.switchboard.grpc;

import dev.switchboard.NodeStartException;
import dev.switchboard.SwitchboardConfig;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.NodeService;
import dev.switchboard.grpc.internal.GrpcTls;
import dev.switchboard.tls.TlsIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Runs the gRPC client/worker service beside a node when its grpc-port is not -1. */
public final class GrpcService implements NodeService {
    @Override
    public String name() {
        return "grpc";
    }

    /** The node's certificate on gRPC's Netty, with client certificates required if --tls-client-ca is set. */
    private static GrpcTls tls(Node node) {
        if (node.tls() == null) {
            return null;
        }
        SwitchboardConfig config = node.config();
        String clientCa = config.get(NodeOptions.TLS_CLIENT_CA);
        try {
            return new GrpcTls(node.tls(), config.get(NodeOptions.TLS_PROVIDER),
                    clientCa == null ? null : TlsIdentity.certificates(Path.of(clientCa)));
        } catch (TlsIdentity.Unusable e) {
            throw new NodeStartException(NodeOptions.TLS_CLIENT_CA, clientCa, e.getMessage(), e);
        } catch (SSLException | IllegalStateException e) {
            throw new NodeStartException(NodeOptions.TLS_PROVIDER, config.get(NodeOptions.TLS_PROVIDER).toString()
                    .toLowerCase(Locale.ROOT), "gRPC cannot serve TLS: " + NodeStartException.reason(e), e);
        }
    }

    @Override
    public boolean enabled(SwitchboardConfig config) {
        return config.grpcPort() >= 0;
    }

    @Override
    public Running start(Node node) {
        SwitchboardConfig config = node.config();
        GrpcTls tls = tls(node);
        GrpcServer server;
        try {
            server = new GrpcServer(node.hub(), node.metrics(), config.host(), config.grpcPort(),
                    config.grpcIdleTimeout(), config.maxOutboundBytes(), config.grpcReflection(),
                    config.grpcMaxStreamsPerConnection(), node.auth(), tls, config.messageBudget(),
                    new GrpcServer.Limits(config.grpcMaxStreams(),
                            config.get(dev.switchboard.config.NodeOptions.GRPC_MAX_WORKERS_PER_CONNECTION)),
                    config.get(NodeOptions.PING_INTERVAL));
        } catch (IOException | RuntimeException e) {
            throw new NodeStartException(NodeOptions.GRPC_PORT, Integer.toString(config.grpcPort()),
                    NodeStartException.addressInUse(e) ? config.host() + ":" + config.grpcPort() + " is already in use"
                            : "cannot start the gRPC server: " + NodeStartException.reason(e), e);
        }
        return new Running() {
            @Override
            public int port() {
                return server.port();
            }

            @Override
            public void beginShutdown() {
                server.beginShutdown();
            }

            @Override
            public void close(Duration timeout) {
                server.close(timeout);
            }
        };
    }
}
