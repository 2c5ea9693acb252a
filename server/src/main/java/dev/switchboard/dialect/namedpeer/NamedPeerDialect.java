package dev.switchboard.dialect.namedpeer;

import dev.switchboard.ice.IceServers;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.core.RoomKey;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.dialect.JsonLimits;

/**
 * The named-peer login dialect (docs/protocols/named-peer.md; the original server's README is the spec): peers log
 * in with a name that is unique cluster-wide, learn who else is there, hear who comes and goes, relay messages to a
 * peer by name with a server-set {@code from}, and broadcast four stream events. It shares the generic paths with
 * y-webrtc; a connection whose first frame is {@code {"type":"login"}} is named-peer ({@link #isLogin}).
 */
public final class NamedPeerDialect implements Dialect {
    public static final String NAMESPACE = "named-peer";
    /** Every logged-in peer is a member of this one room. */
    static final RoomKey ROOM = new RoomKey(NAMESPACE, "peers");
    static final int MAX_NAME_LENGTH = 64;

    private final Hub hub;
    private final NamedPeerReader reader;
    private final int maxMessageBytes;
    private final int maxFramesPerSecond;

    /**
     * @param maxMessageBytes     largest frame accepted (the original server: 64 KiB)
     * @param maxJsonDepth        deepest JSON nesting accepted
     * @param maxFramesPerSecond  frames per connection per second before rate_limit_exceeded (upstream: 50)
     */
    private final IceServers ice;

    /** The ICE servers for a login_success to {@code user}, or null when none are configured. */
    String iceServersJson(String user) {
        return ice.isEmpty() ? null : ice.json(user);
    }

    public NamedPeerDialect(Hub hub, int maxMessageBytes, int maxJsonDepth, int maxFramesPerSecond, IceServers ice) {
        this.ice = ice;
        if (maxFramesPerSecond < 1) {
            throw new IllegalArgumentException("maxFramesPerSecond must be at least 1: " + maxFramesPerSecond);
        }
        this.hub = hub;
        this.maxMessageBytes = maxMessageBytes;
        this.maxFramesPerSecond = maxFramesPerSecond;
        this.reader = new NamedPeerReader(JsonLimits.factory(maxJsonDepth, maxMessageBytes));
        hub.handle(NAMESPACE, new MembershipHandler() {
            @Override
            public void joined(MemberInfo member, LocalRoom room) {
                room.deliver(Envelope.notice(NamedPeerWriter.peerConnected(member.id())), member.id());
            }

            @Override
            public void left(MemberInfo member, LeaveReason reason, LocalRoom room) {
                room.deliver(Envelope.notice(NamedPeerWriter.peerDisconnected(member.id())), member.id());
            }
        });
    }

    /** Whether a first frame opens a named-peer session: a JSON object whose {@code type} is "login". */
    public boolean isLogin(byte[] firstFrame) {
        return reader.isLogin(firstFrame);
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
        return new NamedPeerSession(connection, this, handshake.grants());
    }

    Hub hub() {
        return hub;
    }

    NamedPeerReader reader() {
        return reader;
    }

    int maxFramesPerSecond() {
        return maxFramesPerSecond;
    }
}
