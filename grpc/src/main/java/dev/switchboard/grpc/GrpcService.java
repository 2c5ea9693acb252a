package dev.switchboard.grpc;

import dev.switchboard.NodeStartException;
import dev.switchboard.SwitchboardConfig;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.NodeService;
import java.io.IOException;
import java.time.Duration;

/** Runs the gRPC client/worker service beside a node when its grpc-port is not -1. */
public final class GrpcService implements NodeService {
    @Override
    public String name() {
        return "grpc";
    }

    @Override
    public boolean enabled(SwitchboardConfig config) {
        return config.grpcPort() >= 0;
    }

    @Override
    public Running start(Node node) {
        SwitchboardConfig config = node.config();
        GrpcServer server;
        try {
            server = new GrpcServer(node.hub(), node.metrics(), config.host(), config.grpcPort(),
                    config.grpcIdleTimeout(), config.maxOutboundBytes(), config.grpcReflection(),
                    config.grpcMaxStreamsPerConnection(), node.auth(), config.messageBudget());
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
