package dev.switchboard.dialect.peerjs;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.JoinResult;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.JoinGate;
import dev.switchboard.dialect.JsonStrings;
import dev.switchboard.dialect.ResumeSecret;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One PeerJS client: its id is claimed cluster-wide at the handshake; once granted it gets {@code OPEN} and
 * relays. The token is the proof that a later connection is the same client (upstream's model): one with the
 * holder's token takes the id over, as a resume (docs/design/resume.md). A connected holder is closed wherever it
 * is, and the newcomer, like upstream's, gets no OPEN; a holder whose connection dropped within the resume window
 * (parked) is taken over with an OPEN, then what was sent to the id meanwhile, in order.
 */
final class PeerJsSession implements DialectSession, LocalMember {
    static final String INVALID_ID = "Invalid id";
    /** Frames a client may send before its id is decided. */
    private static final int MAX_HELD_FRAMES = 64;
    /** Longest id: far above any the client makes (a UUID, or what the app chose). */
    private static final int MAX_ID_LENGTH = 256;
    /** Member metadata: a digest of the token, so the cluster can tell the same token without storing it. */
    static final String TOKEN_DIGEST = MemberInfo.RESUME;
    static final String REPLACED_REASON = "Connected elsewhere with the same id and token";

    private enum State { DECIDING, CONNECTED, LEFT, CLOSED }

    private final Connection connection;
    private final PeerJsDialect dialect;
    private final String id;
    private final Map<String, String> metadata;
    private volatile JoinGate gate;
    private volatile State state = State.DECIDING;
    /** When the last HEARTBEAT came ({@link System#nanoTime}); upstream starts it when the client is made. */
    private volatile long lastPing = System.nanoTime();
    /** Closed for want of a HEARTBEAT: upstream frees the id then, so no resume is kept for it. */
    private boolean timedOut;

    PeerJsSession(Connection connection, PeerJsDialect dialect, String id, String token) {
        this.connection = connection;
        this.dialect = dialect;
        this.id = id;
        this.metadata = Map.of(TOKEN_DIGEST, ResumeSecret.digest(token));
    }

    /** Ids the bus can carry: 1 to 256 characters, none a control character (upstream checks nothing). */
    static boolean validId(String id) {
        if (id.length() > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    void start() {
        gate = new JoinGate(connection, MAX_HELD_FRAMES);
        // granted if the id is free, or held with this token (connected, or parked after a drop); else ID-TAKEN
        dialect.hub().join(PeerJsDialect.ROOM, this, JoinPolicy.RESUME)
                .whenComplete((result, error) -> connection.execute(() -> decided(result, error)));
    }

    private void decided(JoinResult result, Throwable error) {
        boolean joined = result != null && result.joined();
        if (state == State.CLOSED) {
            gate = null;
            if (joined) {
                dialect.hub().leave(PeerJsDialect.ROOM, this); // closed while the claim was in flight
            }
            return;
        }
        if (error != null) {
            gate = null;
            connection.send(PeerJsWriter.error("Cluster unavailable, try again"));
            connection.close(1011, "Cluster unavailable, try again");
            state = State.CLOSED;
            return;
        }
        if (!joined) {
            gate = null;
            connection.send(PeerJsWriter.ID_TAKEN);
            connection.close(-1, "");
            state = State.CLOSED;
            return;
        }
        state = State.CONNECTED;
        if (!result.resumed() || result.parked()) {
            // a takeover of a connected holder gets none, as upstream; a return after a drop gets it, as a new
            // connection would upstream once the old one closed, and then what was kept for it
            connection.send(PeerJsWriter.OPEN);
        }
        JoinGate g = gate;
        ArrayDeque<byte[]> held = g.open(); // what arrived for it meanwhile (queued messages), then its own frames
        gate = null;
        while (!held.isEmpty() && state == State.CONNECTED) {
            handle(held.poll());
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Endpoint endpoint() {
        JoinGate g = gate;
        return g != null ? g : connection;
    }

    @Override
    public void onMessage(byte[] data, boolean binary) {
        if (state == State.DECIDING) {
            if (!gate.hold(data)) {
                connection.close(1008, "Too many messages before the id was decided");
            }
            return;
        }
        if (state == State.CONNECTED) {
            handle(data);
        }
    }

    private void handle(byte[] data) {
        PeerJsMessage m = dialect.reader().read(data);
        if (m == null) {
            return;
        }
        switch (m.type()) {
            case "HEARTBEAT" -> lastPing = System.nanoTime();
            case "OFFER", "ANSWER", "CANDIDATE", "LEAVE", "EXPIRE" -> transmit(m);
            default -> {
                // every other type (OPEN, ERROR, unknown) is ignored, as upstream does
            }
        }
    }

    private void transmit(PeerJsMessage m) {
        boolean dropIfAbsent = m.type().equals("LEAVE") || m.type().equals("EXPIRE");
        if (!m.dstTruthy()) {
            if (m.type().equals("LEAVE")) {
                leaveRealm();
            }
            return;
        }
        byte[] frame = PeerJsWriter.relay(m.type(), id, m.dstJson(), m.payloadJson());
        if (m.dst() == null) {
            // a dst that is no string names no client: upstream queues it until it expires
            if (!dropIfAbsent) {
                enqueue(m.dstJson(), frame);
            }
            return;
        }
        var sent = dialect.hub().send(PeerJsDialect.ROOM, m.dst(), Envelope.of(frame)).toCompletableFuture();
        if (sent.isDone()) {
            if (!sent.getNow(false) && !dropIfAbsent) {
                notConnected(m.dst(), frame);
            }
            return;
        }
        sent.whenComplete((ok, error) -> {
            if ((error != null || !ok) && !dropIfAbsent) {
                connection.execute(() -> notConnected(m.dst(), frame));
            }
        });
    }

    /** The destination is not connected anywhere: hold the message for it, as upstream does. */
    private void notConnected(String dst, byte[] frame) {
        enqueue(JsonStrings.quote(dst), frame);
        if (dialect.hub().has(PeerJsDialect.ROOM, dst)) {
            dialect.deliverQueued(dst); // it connected while the send was on its way: its join event is past
        }
    }

    private void enqueue(String destinationJson, byte[] frame) {
        if (!dialect.enqueue(destinationJson, id, frame)) {
            connection.refused("queue_full");
        }
    }

    /**
     * LEAVE without a destination: the client leaves the realm and its id is free, its socket stays open (as
     * upstream); unlike upstream, what it sends after is ignored, since it no longer holds the id.
     */
    private void leaveRealm() {
        state = State.LEFT;
        dialect.hub().leave(PeerJsDialect.ROOM, this);
        dialect.closed(this);
    }

    long silentFor(long nowNanos) {
        return nowNanos - lastPing;
    }

    /** No HEARTBEAT for the alive timeout: closed without a status, as upstream closes it. */
    void timeOut() {
        connection.execute(() -> {
            if (state != State.CLOSED && state != State.LEFT) {
                timedOut = true; // the id is freed at once, as upstream frees it
                connection.close(-1, "");
                onClose();
            }
        });
    }

    /** Another connection took the id over with this one's token: this one may no longer speak as the id. */
    @Override
    public void evicted(RoomKey room, String reason) {
        connection.execute(() -> {
            if (state != State.CLOSED) {
                state = State.CLOSED;
                dialect.closed(this);
                connection.close(1000, REPLACED_REASON);
            }
        });
    }

    @Override
    public void onClose() {
        State was = state;
        state = State.CLOSED;
        dialect.closed(this);
        if (was == State.CONNECTED) {
            if (!timedOut && connection.lost()) {
                dialect.hub().disconnected(PeerJsDialect.ROOM, this); // parked for the resume window
            } else {
                dialect.hub().leave(PeerJsDialect.ROOM, this);
            }
        }
    }
}
