package dev.switchboard.dialect.rendezvous;

import dev.switchboard.ice.IceServers;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.dialect.JsonLimits;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rendezvous rooms with public-key identity (docs/protocols/rendezvous.md): at {@code /room/{roomName}/websocket} a
 * peer registers a public JWK, is known by its fingerprint, is welcomed with the others and their keys, and
 * exchanges offers, answers and ICE candidates addressed by peer ID, with the sender's ID set by the server. Our
 * addition: a challenge nonce on connect, whose signature proves the peer holds the key.
 */
public final class RendezvousDialect implements Dialect {
    public static final String NAMESPACE = "rendezvous";
    static final int MAX_ROOM_NAME = 256;
    private static final Pattern PATH = Pattern.compile("/room/([^/]+)/websocket");

    private final Hub hub;
    private final RendezvousReader reader;
    private final int maxMessageBytes;
    private final boolean requireProof;
    private final Verifiers verifiers = new Verifiers();

    /**
     * @param requireProof whether {@code register} must carry a valid signature of the challenge (default off:
     *                     clients that know nothing of the challenge keep working)
     */
    private final IceServers ice;

    /** The ICE servers for the welcome of a peer whose token names {@code user} (null: anonymous), or null. */
    String iceServersJson(String user) {
        return ice.isEmpty() ? null : ice.json(user == null ? "anonymous" : user);
    }

    public RendezvousDialect(Hub hub, int maxMessageBytes, int maxJsonDepth, boolean requireProof, IceServers ice) {
        this.hub = hub;
        this.ice = ice;
        this.maxMessageBytes = maxMessageBytes;
        this.requireProof = requireProof;
        this.reader = new RendezvousReader(JsonLimits.factory(maxJsonDepth, maxMessageBytes));
        hub.handle(NAMESPACE, new MembershipHandler() {
            @Override
            public void joined(MemberInfo member, LocalRoom room) {
                room.deliver(Envelope.notice(RendezvousWriter.peerJoined(member)), member.id());
            }

            @Override
            public void left(MemberInfo member, LeaveReason reason, LocalRoom room) {
                room.deliver(Envelope.notice(RendezvousWriter.peerLeft(member.id())), member.id());
            }
        });
    }

    /** Whether an upgrade is for a Rendezvous room (docs/design/routing.md). */
    public static boolean matches(Handshake handshake) {
        return PATH.matcher(handshake.rawPath()).matches();
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
        Matcher m = PATH.matcher(handshake.rawPath());
        String roomName = m.matches() ? decodeSegment(m.group(1)) : "";
        if (roomName.isEmpty() || roomName.length() > MAX_ROOM_NAME) {
            connection.send(RendezvousWriter.error("room name must be 1 to " + MAX_ROOM_NAME + " characters"));
            connection.close(1008, "invalid room name");
            return DialectSession.CLOSING;
        }
        if (!handshake.grants().room(roomName)) {
            connection.send(RendezvousWriter.error("room not granted"));
            connection.close(1008, "room not granted");
            return DialectSession.CLOSING;
        }
        RendezvousSession session = new RendezvousSession(connection, this, roomName,
                handshake.identity() == null ? null : handshake.identity().subject());
        session.start();
        return session;
    }

    /** Percent-decodes a path segment ('+' is a plus sign in a path); "" when the escapes are malformed. */
    private static String decodeSegment(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    Hub hub() {
        return hub;
    }

    RendezvousReader reader() {
        return reader;
    }

    Verifiers verifiers() {
        return verifiers;
    }

    boolean requireProof() {
        return requireProof;
    }
}
