package dev.switchboard.support;

import dev.switchboard.DialectProvider;
import dev.switchboard.SwitchboardConfig;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.Handshake;
import java.nio.charset.StandardCharsets;

/**
 * A dialect for tests, plugged in through {@link DialectProvider} (listed in this module's
 * META-INF/services): on {@code /_test/handshake} it tells the client what the node saw of it, as one text
 * message {@code client=<address> remote=<connection's remoteAddress> origin=<Origin> subject=<token's sub>}.
 */
public final class HandshakeEcho implements DialectProvider {
    public static final String PATH = "/_test/handshake";

    @Override
    public boolean matches(Handshake handshake) {
        return handshake.rawPath().equals(PATH);
    }

    @Override
    public Dialect create(Hub hub, SwitchboardConfig config) {
        return new Dialect() {
            @Override
            public String name() {
                return "test-handshake";
            }

            @Override
            public int maxMessageBytes() {
                return 1024;
            }

            @Override
            public DialectSession open(Connection connection, Handshake handshake) {
                connection.send(("client=" + handshake.clientAddress() + " remote=" + connection.remoteAddress()
                        + " origin=" + handshake.header("Origin") + " subject="
                        + (handshake.identity() == null ? null : handshake.identity().subject()))
                        .getBytes(StandardCharsets.UTF_8));
                return new DialectSession() {
                    @Override
                    public void onMessage(byte[] data, boolean binary) {
                    }

                    @Override
                    public void onClose() {
                    }
                };
            }
        };
    }
}
