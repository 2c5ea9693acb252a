package dev.switchboard.dialect.namedpeer;

import dev.switchboard.dialect.SignalTypes;
import dev.switchboard.auth.Grants;
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
import dev.switchboard.dialect.ResumeSecret;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One named-peer connection: anonymous until its login is granted cluster-wide, then a member of the
 * dialect's one room under its name. Frames that arrive while the login is pending wait, in order. A login that
 * asks for resume ({@code "resume":true}) gets a secret in its answer; a later login with that secret takes the
 * name over as the same peer (docs/protocols/named-peer.md#resume).
 */
final class NamedPeerSession implements DialectSession, LocalMember {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** Frames a client may send before its login is answered. */
    private static final int MAX_HELD_FRAMES = 64;
    /** The close of a stale connection whose peer resumed on another one. */
    static final int RESUMED_CODE = 4004;
    static final String RESUMED_REASON = "Resumed on another connection";

    private enum State { ANONYMOUS, LOGGING_IN, LOGGED_IN, CLOSED }

    private final Connection connection;
    /** Non-null from the join request until its answer is sent: holds events for the member and its frames. */
    private volatile JoinGate gate;
    private final NamedPeerDialect dialect;
    private State state = State.ANONYMOUS;
    private String name;
    /** {@link #name} as relays carry it in {@code from}, set with the name. */
    private byte[] quotedName;
    /** The resume secret of a login that asked for one; null for a plain login (never parked, as before). */
    private String resumeSecret;
    private Map<String, String> metadata = Map.of();
    private long windowStart;
    private int framesInWindow;

    /** The names the connection's token grants (docs/design/auth.md#grants); all without one. */
    private final Grants grants;

    NamedPeerSession(Connection connection, NamedPeerDialect dialect, Grants grants) {
        this.connection = connection;
        this.dialect = dialect;
        this.grants = grants;
    }

    @Override
    public String id() {
        return name;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Endpoint endpoint() {
        // while the join awaits its answer, events for this member wait behind it
        JoinGate g = gate;
        return g != null ? g : connection;
    }

    @Override
    public void onMessage(byte[] data, boolean binary) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.LOGGING_IN) {
            if (!gate.hold(data)) {
                connection.close(1008, "Too many messages before login completed");
            }
            return;
        }
        handle(data);
    }

    /**
     * A fixed one-second window per connection, as upstream counts (its window is per name, one name per
     * connection here). Like upstream, only a logged-in peer's messages count: not its login, not frames
     * that are not JSON messages.
     */
    private boolean overRateLimit() {
        long now = System.currentTimeMillis();
        if (now - windowStart >= 1000) {
            windowStart = now;
            framesInWindow = 0;
        }
        return ++framesInWindow > dialect.maxFramesPerSecond();
    }

    private void handle(byte[] data) {
        NamedPeerMessage message = dialect.reader().read(data);
        if (message instanceof NamedPeerMessage.Invalid) {
            return;
        }
        if (message instanceof NamedPeerMessage.Login login) {
            login(login.name(), login.resume());
            return;
        }
        if (state != State.LOGGED_IN) {
            connection.send(NamedPeerWriter.error("not_logged_in"));
            return;
        }
        if (overRateLimit()) {
            connection.send(NamedPeerWriter.error("rate_limit_exceeded"));
            return;
        }
        if (message instanceof NamedPeerMessage.Ping) {
            connection.send(NamedPeerWriter.pong(System.currentTimeMillis()));
        } else if (message instanceof NamedPeerMessage.Broadcast event) {
            dialect.hub().broadcast(NamedPeerDialect.ROOM, Envelope.of(NamedPeerWriter.broadcast(event, name)), name);
        } else if (message instanceof NamedPeerMessage.Relay relay) {
            relay(relay);
        } else if (message instanceof NamedPeerMessage.Reserved) {
            connection.send(NamedPeerWriter.error("reserved_type"));
        }
    }

    private void relay(NamedPeerMessage.Relay relay) {
        if (relay.target() == null) {
            connection.send(NamedPeerWriter.targetNotFound(relay.targetJson()));
            return;
        }
        var signal = SignalTypes.of(relay.scan().string("type"));
        // counted when sent (an answer from another node may come back before a delivery is confirmed), and only
        // to a peer that exists: an offer to nobody would just fill the telemetry's table
        if (signal != null && dialect.hub().has(NamedPeerDialect.ROOM, relay.target())) {
            connection.signaled("", name, relay.target(), signal); // one room: every peer of the cluster
        }
        Envelope envelope = Envelope.of(NamedPeerWriter.relay(relay, quotedName));
        var sent = dialect.hub().send(NamedPeerDialect.ROOM, relay.target(), envelope).toCompletableFuture();
        if (sent.isDone()) {
            if (!sent.getNow(false)) {
                connection.send(NamedPeerWriter.targetNotFound(relay.targetJson()));
            }
            return;
        }
        sent.whenComplete((ok, error) -> {
            if (error != null || !ok) {
                connection.send(NamedPeerWriter.targetNotFound(relay.targetJson()));
            }
        });
    }

    private void login(String requested, String resume) {
        if (requested != null) {
            requested = requested.trim(); // as upstream does before its checks
        }
        if (state == State.LOGGED_IN) {
            // One name per connection: a second login changes nothing (upstream would leak the old name).
            connection.send(NamedPeerWriter.error("already_logged_in"));
            return;
        }
        if (requested == null || requested.isEmpty() || requested.length() > NamedPeerDialect.MAX_NAME_LENGTH
                || !NAME.matcher(requested).matches()) {
            connection.send(NamedPeerWriter.error("invalid_name"));
            connection.close(4001, "Invalid client name");
            state = State.CLOSED;
            return;
        }
        if (!grants.name(requested)) {
            connection.send(NamedPeerWriter.error("name_not_granted"));
            connection.close(4003, "Client name not granted");
            state = State.CLOSED;
            return;
        }
        name = requested;
        quotedName = NamedPeerWriter.quotedName(requested);
        state = State.LOGGING_IN;
        gate = new JoinGate(connection, MAX_HELD_FRAMES);
        JoinPolicy policy = JoinPolicy.EXCLUSIVE;
        if (resume != null) {
            // the secret shown, or a fresh one; either way the name is granted only if free or held with it
            resumeSecret = ResumeSecret.wellFormed(resume) ? resume : ResumeSecret.fresh();
            metadata = Map.of(MemberInfo.RESUME, ResumeSecret.digest(resumeSecret));
            policy = JoinPolicy.RESUME;
        }
        dialect.hub().join(NamedPeerDialect.ROOM, this, policy)
                .whenComplete((result, error) -> connection.execute(() -> loggedIn(result, error)));
    }

    private void loggedIn(JoinResult result, Throwable error) {
        JoinGate g = gate;
        if (result == null || !result.joined() || state == State.CLOSED) {
            gate = null; // not a member (nothing can have been delivered to it), or closing: nothing to replay
        }
        if (state == State.CLOSED) {
            if (result != null && result.joined()) {
                dialect.hub().leave(NamedPeerDialect.ROOM, this); // closed while the login was in flight
            }
            return;
        }
        if (error != null) {
            connection.send(NamedPeerWriter.error("unavailable"));
            connection.close(1011, "Cluster unavailable, try again");
            state = State.CLOSED;
            return;
        }
        if (!result.joined()) {
            nameTaken();
            return;
        }
        state = State.LOGGED_IN;
        List<String> names = new ArrayList<>(result.others().size() + 1);
        for (MemberInfo m : result.others()) {
            names.add(m.id());
        }
        names.add(name);
        // TURN credentials, if any, are issued to the login name
        connection.send(NamedPeerWriter.loginSuccess(name, names, dialect.iceServersJson(name), resumeSecret));
        ArrayDeque<byte[]> held = g.open(); // the events held first, in order; then the frames sent meanwhile
        gate = null;
        while (!held.isEmpty() && state == State.LOGGED_IN) {
            handle(held.poll());
        }
    }

    /**
     * Another node took the name while this one was cut off from the cluster; theirs stands, and this
     * connection is told so as a login refused for a taken name is. Or the same peer resumed on another
     * connection (this one went stale): it is told so and closed.
     */
    @Override
    public void evicted(RoomKey room, String reason) {
        connection.execute(() -> {
            if (state == State.CLOSED) {
                return;
            }
            if (RESUMED.equals(reason)) {
                connection.send(NamedPeerWriter.error("resumed_elsewhere"));
                connection.close(RESUMED_CODE, RESUMED_REASON);
                state = State.CLOSED;
            } else {
                nameTaken();
            }
        });
    }

    private void nameTaken() {
        connection.send(NamedPeerWriter.error("name_taken"));
        connection.close(4000, "Client name already taken");
        state = State.CLOSED;
    }

    @Override
    public void onClose() {
        State was = state;
        state = State.CLOSED;
        if (was == State.LOGGED_IN) {
            if (resumeSecret != null && connection.lost()) {
                dialect.hub().disconnected(NamedPeerDialect.ROOM, this); // parked for its resume
            } else {
                dialect.hub().leave(NamedPeerDialect.ROOM, this);
            }
        }
    }
}
