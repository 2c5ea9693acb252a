package dev.switchboard.dialect.rendezvous;

import dev.switchboard.dialect.SignalTypes;
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
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * One Rendezvous connection: challenged on connect, then (once) registered under the peer ID of its public
 * key, a member of its room with the key (and whether it proved possession) as metadata. A peer that signed its
 * challenge may resume (docs/protocols/rendezvous.md#resume): its signature on a new connection's challenge is
 * the proof, so it takes its ID over from a stale or dropped connection without the room seeing it leave.
 */
final class RendezvousSession implements DialectSession, LocalMember {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Frames a client may send before its registration is answered. */
    private static final int MAX_HELD_FRAMES = 64;
    /** Registrations refused (bad key, bad signature) before the connection is closed: each may cost a check. */
    static final int MAX_FAILED_REGISTRATIONS = 3;

    private enum State { ANONYMOUS, REGISTERING, REGISTERED, CLOSED }

    private final Connection connection;
    /** Non-null from the join request until its answer is sent: holds events for the member and its frames. */
    private volatile JoinGate gate;
    private final RendezvousDialect dialect;
    private final RoomKey room;
    private final String nonce;
    private State state = State.ANONYMOUS;
    private String peerId;
    /** {@code "from":<peerId>} as relays carry it, set with the registration. */
    private byte[] fromMember;
    private Map<String, String> metadata = Map.of();
    private int failedRegistrations;
    /** The policy of the join in flight: a verified peer resumes first, and takes over if the holder cannot resume. */
    private JoinPolicy joining;

    /** Whom the connection's token names (for TURN credentials in the welcome); null without one. */
    private final String user;

    RendezvousSession(Connection connection, RendezvousDialect dialect, String roomName, String user) {
        this.connection = connection;
        this.user = user;
        this.dialect = dialect;
        this.room = new RoomKey(RendezvousDialect.NAMESPACE, roomName);
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        this.nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    void start() {
        connection.send(RendezvousWriter.challenge(nonce));
    }

    @Override
    public String id() {
        return peerId;
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

    /** Replaced, or resumed on another connection by the same (verified) peer: closed 4002 either way. */
    @Override
    public void evicted(RoomKey key, String reason) {
        state = State.CLOSED;
        connection.close(4002, "replaced");
    }

    @Override
    public void onMessage(byte[] data, boolean binary) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.REGISTERING) {
            if (!gate.hold(data)) {
                connection.close(1008, "Too many messages before registration completed");
            }
            return;
        }
        handle(data);
    }

    private void handle(byte[] data) {
        RendezvousMessage message = dialect.reader().read(data);
        if (message instanceof RendezvousMessage.Bad bad) {
            connection.send(RendezvousWriter.error(bad.reason()));
        } else if (message instanceof RendezvousMessage.Register register) {
            register(register);
        } else if (message instanceof RendezvousMessage.Relay relay) {
            relay(relay);
        }
    }

    private void register(RendezvousMessage.Register register) {
        if (state == State.REGISTERED) {
            connection.send(RendezvousWriter.error("already registered as " + peerId));
            return;
        }
        if (register.signature() == null) {
            checked(check(register)); // parsing a key is cheap; only a signature is worth another thread
            return;
        }
        // A signature check can cost milliseconds (P-521, RSA-8192): it runs on the dialect's verifier threads,
        // never on the connection's event loop, while what the client sends meanwhile waits as during a join.
        state = State.REGISTERING;
        gate = new JoinGate(connection, MAX_HELD_FRAMES);
        if (!dialect.verifiers().submit(() -> {
            Checked outcome = check(register);
            connection.execute(() -> checked(outcome));
        })) {
            connection.refused("verifier_busy");
            reopen("server busy: try registering again");
        }
    }

    /** The outcome of checking a register: the key and whether it was proven, or why it was refused. */
    private record Checked(RendezvousKeys.PublicJwk key, boolean verified, String refusal) {
    }

    /** Parses the key and verifies the signature, if any; on any thread (reads only final state). */
    private Checked check(RendezvousMessage.Register register) {
        try {
            RendezvousKeys.PublicJwk key = RendezvousKeys.parse(register.publicKey());
            if (register.signature() != null) {
                if (!RendezvousKeys.verify(key, nonce, register.signature())) {
                    return new Checked(null, false, "signature does not verify: sign the challenge nonce's "
                            + "UTF-8 bytes with the registered key");
                }
                return new Checked(key, true, null);
            }
            if (dialect.requireProof()) {
                return new Checked(null, false, "proof of possession required: add \"signature\", the "
                        + "challenge nonce signed with the registered key");
            }
            return new Checked(key, false, null);
        } catch (RendezvousKeys.KeyRefused e) {
            return new Checked(null, false, e.getMessage());
        }
    }

    /** Joins with a checked key, or answers the refusal; a connection refused too often is closed. */
    private void checked(Checked outcome) {
        if (state == State.CLOSED) {
            gate = null;
            return;
        }
        if (outcome.refusal() != null) {
            if (++failedRegistrations >= MAX_FAILED_REGISTRATIONS) {
                connection.send(RendezvousWriter.error(outcome.refusal()));
                state = State.CLOSED;
                gate = null;
                connection.close(1008, "too many failed registrations");
                return;
            }
            reopen(outcome.refusal());
            return;
        }
        RendezvousKeys.PublicJwk key = outcome.key();
        peerId = key.peerId();
        Map<String, String> meta = new HashMap<>(2);
        meta.put(RendezvousWriter.PUBLIC_KEY, key.canonical());
        if (outcome.verified()) {
            meta.put(RendezvousWriter.VERIFIED, "true");
            meta.put(MemberInfo.RESUME, peerId); // whoever signs for this key next is the same peer
        }
        metadata = Map.copyOf(meta);
        state = State.REGISTERING;
        if (gate == null) {
            gate = new JoinGate(connection, MAX_HELD_FRAMES);
        }
        // A verified newcomer may take its ID over from an older connection (silently from a verified one: the
        // same peer back); an unverified one may not.
        join(outcome.verified() ? JoinPolicy.RESUME : JoinPolicy.EXCLUSIVE);
    }

    private void join(JoinPolicy policy) {
        joining = policy;
        dialect.hub().join(room, this, policy)
                .whenComplete((result, error) -> connection.execute(() -> registered(result, error)));
    }

    /** A register that went no further: the error, then the frames held meanwhile, in order. */
    private void reopen(String error) {
        JoinGate g = gate;
        gate = null;
        state = State.ANONYMOUS;
        connection.send(RendezvousWriter.error(error));
        if (g != null) {
            drain(g.open());
        }
    }

    private void registered(JoinResult result, Throwable error) {
        JoinGate g = gate;
        if (state == State.CLOSED) {
            gate = null;
            if (result != null && result.joined()) {
                dialect.hub().leave(room, this);
            }
            return;
        }
        ArrayDeque<byte[]> held;
        if (error == null && !result.joined() && joining == JoinPolicy.RESUME) {
            join(JoinPolicy.TAKEOVER); // the holder did not sign: replaced as before, with a leave and a join
            return;
        }
        if (error != null || !result.joined()) {
            gate = null;
            held = g.open(); // not a member: nothing was delivered to it; the frames sent meanwhile remain
            state = State.ANONYMOUS;
            connection.send(RendezvousWriter.error(error != null ? "registration failed, try again"
                    : "peer ID already connected in this room; sign the challenge to prove the key is yours and replace it"));
            peerId = null;
            metadata = Map.of();
        } else {
            state = State.REGISTERED;
            fromMember = RendezvousWriter.fromMember(peerId);
            connection.send(RendezvousWriter.welcome(peerId, result.others(), dialect.iceServersJson(user)));
            held = g.open(); // the events held first, in order; then the frames sent meanwhile
            gate = null;
        }
        drain(held);
    }

    /** Handles frames held during a register, in order, until another register holds the rest again. */
    private void drain(ArrayDeque<byte[]> held) {
        while (!held.isEmpty() && state != State.CLOSED && state != State.REGISTERING) {
            handle(held.poll());
        }
        if (!held.isEmpty() && state == State.REGISTERING) {
            gate.holdFirst(held); // a held register is in flight again: the rest waits behind it
        }
    }

    private void relay(RendezvousMessage.Relay relay) {
        if (state != State.REGISTERED) {
            connection.send(RendezvousWriter.error("register first"));
            return;
        }
        var signal = SignalTypes.of(relay.scan().string("type"));
        // counted when sent (an answer from another node may come back before a delivery is confirmed), and only
        // to a peer in the room: an offer to nobody would just fill the telemetry's table
        if (signal != null && dialect.hub().has(room, relay.to())) {
            connection.signaled(room.name(), peerId, relay.to(), signal);
        }
        Envelope envelope = Envelope.of(RendezvousWriter.relay(relay, fromMember));
        var sent = dialect.hub().send(room, relay.to(), envelope).toCompletableFuture();
        if (sent.isDone()) {
            if (!sent.getNow(false)) {
                connection.send(RendezvousWriter.error("unknown peer: " + relay.to()));
            }
            return;
        }
        sent.whenComplete((ok, error) -> {
            if (error != null || !ok) {
                connection.send(RendezvousWriter.error("unknown peer: " + relay.to()));
            }
        });
    }

    @Override
    public void onClose() {
        State was = state;
        state = State.CLOSED;
        if (was == State.REGISTERED) {
            if (connection.lost()) {
                dialect.hub().disconnected(room, this); // a verified peer is parked for its resume
            } else {
                dialect.hub().leave(room, this);
            }
        }
    }
}
