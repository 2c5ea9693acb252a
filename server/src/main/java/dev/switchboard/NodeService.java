package dev.switchboard;

import dev.switchboard.auth.Authenticator;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.metrics.Metrics;
import dev.switchboard.tls.TlsFiles;
import java.io.IOException;
import java.time.Duration;

/**
 * A service that runs beside a node's WebSocket port on a port of its own, on the node's hub: the gRPC
 * client/worker service (switchboard-grpc). Found with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.switchboard.NodeService}; started after the WebSocket port is bound and
 * drained with the node.
 */
public interface NodeService {
    /** Short name used in logs and by {@link Switchboard#servicePort}: "grpc". */
    String name();

    /** Whether the configuration turns this service on (gRPC: a grpc-port other than -1). */
    boolean enabled(SwitchboardConfig config);

    /**
     * What a service gets of its node; {@code tls} is the node's certificate (watched and reloaded), null when
     * the node's ports are plaintext.
     */
    record Node(SwitchboardConfig config, Hub hub, Metrics metrics, Authenticator auth, TlsFiles tls) {
    }

    /**
     * Binds and starts the service. A refusal an operator can act on (a port in use) is a
     * {@link NodeStartException} naming the option.
     */
    Running start(Node node) throws IOException;

    /** A started service. */
    interface Running {
        /** The bound port. */
        int port();

        /** Stops taking new calls; open ones go on until {@link #close}. */
        void beginShutdown();

        /** Ends what is still open once {@code timeout} has passed and releases everything. */
        void close(Duration timeout);
    }
}
