package dev.switchboard.testkit;

import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;
import java.net.URI;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Switchboard node for a JUnit 5 test, on a free loopback port, with the in-memory bus:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final SwitchboardExtension node = new SwitchboardExtension();
 *
 * @Test
 * void relays() {
 *     try (WsClient a = WsClient.connect(node.port(), "/"); WsClient b = WsClient.connect(node.port(), "/")) { … }
 * }
 * }</pre>
 *
 * A {@code static} field starts one node for the class; an instance field starts a fresh node for each test.
 * {@link #configure} changes any option before the node starts.
 */
public final class SwitchboardExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    private final UnaryOperator<SwitchboardConfig.Builder> configure;
    private Switchboard node;
    private boolean perClass;

    /** A node with the test defaults: 127.0.0.1, a free port, gRPC on a free port, two network threads. */
    public SwitchboardExtension() {
        this(UnaryOperator.identity());
    }

    private SwitchboardExtension(UnaryOperator<SwitchboardConfig.Builder> configure) {
        this.configure = configure;
    }

    /** A node whose options {@code configure} changes from the test defaults, e.g. {@code b -> b.maxFrameBytes(4096)}. */
    public static SwitchboardExtension configure(UnaryOperator<SwitchboardConfig.Builder> configure) {
        return new SwitchboardExtension(configure);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        node = TestNodes.start(configure.apply(TestNodes.config()).build());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!perClass) {
            node = TestNodes.start(configure.apply(TestNodes.config()).build());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    private void stop() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    /** The running node (its hub, metrics and configuration). */
    public Switchboard node() {
        if (node == null) {
            throw new IllegalStateException("the node runs only while a test of its class runs");
        }
        return node;
    }

    /** The WebSocket and HTTP port. */
    public int port() {
        return node().port();
    }

    /** The gRPC port, or -1 when the test turned gRPC off. */
    public int grpcPort() {
        return node().grpcPort();
    }

    /** {@code ws://127.0.0.1:<port><path>}: what a client of any dialect connects to. */
    public URI webSocketUri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + (path.startsWith("/") ? path : "/" + path));
    }
}
