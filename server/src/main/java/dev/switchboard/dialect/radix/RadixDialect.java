package dev.switchboard.dialect.radix;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.dialect.JsonLimits;
import java.util.List;

/**
 * Radix Connect pairing (docs/protocols/radix-connect.md; upstream's wire protocol exactly, with two fixes): a
 * wallet and a browser extension that share a connectionId find each other and exchange encrypted signaling through
 * the server. Peers are announced both ways on connect and on leave, cluster-wide, and no ghost outlives its node.
 */
public final class RadixDialect implements Dialect {
    public static final String NAMESPACE = "radix";
    static final String ROLE = "role";

    private final Hub hub;
    private final RadixReader reader;
    private final int maxMessageBytes;
    private final int maxFramesPerWindow;
    private final long rateWindowMillis;

    /**
     * @param maxMessageBytes     largest frame (upstream: 16 KiB)
     * @param maxJsonDepth        deepest JSON nesting accepted
     * @param maxFramesPerWindow  frames per socket per window before close 1013 (upstream: 100)
     * @param rateWindowMillis    the window (upstream: 1000 ms)
     */
    public RadixDialect(Hub hub, int maxMessageBytes, int maxJsonDepth, int maxFramesPerWindow, long rateWindowMillis) {
        if (maxFramesPerWindow < 1 || rateWindowMillis < 1) {
            throw new IllegalArgumentException("rate limit must be positive");
        }
        this.hub = hub;
        this.maxMessageBytes = maxMessageBytes;
        this.maxFramesPerWindow = maxFramesPerWindow;
        this.rateWindowMillis = rateWindowMillis;
        this.reader = new RadixReader(JsonLimits.factory(maxJsonDepth, maxMessageBytes));
        hub.handle(NAMESPACE, new MembershipHandler() {
            @Override
            public void joined(MemberInfo member, LocalRoom room) {
                notifyOtherSide(member, room, "remoteClientJustConnected");
            }

            @Override
            public void left(MemberInfo member, LeaveReason reason, LocalRoom room) {
                notifyOtherSide(member, room, "remoteClientDisconnected");
            }
        });
    }

    /** Tells the local members of the other role about {@code member}. */
    private static void notifyOtherSide(MemberInfo member, LocalRoom room, String info) {
        List<LocalMember> locals = room.members();
        Envelope notice = null;
        for (LocalMember m : locals) {
            if (!m.id().equals(member.id()) && !m.metadata().get(ROLE).equals(member.meta(ROLE))) {
                if (notice == null) {
                    notice = Envelope.of(RadixWriter.notice(info, member.id()));
                }
                m.endpoint().outlet().deliver(notice, m.endpoint());
            }
        }
    }

    /** Whether an upgrade is Radix's (docs/design/routing.md). */
    public static boolean matches(Handshake handshake) {
        return RadixUrl.matches(handshake);
    }

    @Override
    public String name() {
        return NAMESPACE;
    }

    @Override
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public DialectSession open(Connection connection, Handshake handshake) {
        connection.dialect(NAMESPACE);
        String refusal = RadixUrl.refusal(handshake);
        if (refusal != null) {
            connection.close(1003, refusal);
            return DialectSession.CLOSING;
        }
        RadixUrl.Pairing pairing = RadixUrl.pairing(handshake);
        if (!handshake.grants().room(pairing.connectionId())) {
            connection.close(1008, "connectionId not granted");
            return DialectSession.CLOSING;
        }
        RadixSession session = new RadixSession(connection, this, pairing);
        session.start(handshake.param("resume"));
        return session;
    }

    Hub hub() {
        return hub;
    }

    RadixReader reader() {
        return reader;
    }

    int maxFramesPerWindow() {
        return maxFramesPerWindow;
    }

    long rateWindowMillis() {
        return rateWindowMillis;
    }

    /**
     * Watches Radix relays from other nodes ({@code {"info":"remoteData","data":{…"method":…},"remoteClientId":…}})
     * for the negotiation telemetry: the method beside the sealed payload names the step.
     */
    public static dev.switchboard.core.ArrivalWatcher arrivals(dev.switchboard.metrics.Negotiations negotiations) {
        com.fasterxml.jackson.core.JsonFactory json = new com.fasterxml.jackson.core.JsonFactory();
        return (room, targetId, envelope) -> {
            byte[] payload = envelope.payload();
            dev.switchboard.dialect.JsonObjectScan scan = dev.switchboard.dialect.JsonObjectScan.of(json, payload,
                    java.util.Set.of("data", "remoteClientId"));
            dev.switchboard.dialect.JsonObjectScan.Value data = scan == null ? null : scan.get("data");
            if (targetId == null || data == null) {
                return;
            }
            dev.switchboard.dialect.JsonObjectScan inner = dev.switchboard.dialect.JsonObjectScan.of(json,
                    java.util.Arrays.copyOfRange(payload, data.start(), data.end()), java.util.Set.of("method"));
            if (inner != null) {
                negotiations.arrived(room.name(), scan.string("remoteClientId"), targetId,
                        dev.switchboard.dialect.SignalTypes.of(inner.string("method")));
            }
        };
    }
}
