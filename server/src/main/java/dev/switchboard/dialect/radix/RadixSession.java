package dev.switchboard.dialect.radix;

import dev.switchboard.dialect.SignalTypes;
import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.JoinPolicy;
import dev.switchboard.core.LocalMember;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.RoomKey;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.JoinGate;
import java.util.Map;
import java.util.UUID;

/**
 * One Radix Connect socket: a member, under a fresh UUID, of the room of its connectionId, with its role as
 * metadata. It may reach only members of the same connectionId with the role it targets.
 */
final class RadixSession implements DialectSession, LocalMember {
    private final Connection connection;
    private final RadixDialect dialect;
    private final RadixUrl.Pairing pairing;
    private final RoomKey room;
    private final String id = UUID.randomUUID().toString();
    private final Map<String, String> metadata;
    /** Non-null from the join until its answer (who of the other side is already there) is sent. */
    private volatile JoinGate gate;
    private long window;
    private int framesInWindow;
    private boolean closed;

    RadixSession(Connection connection, RadixDialect dialect, RadixUrl.Pairing pairing) {
        this.connection = connection;
        this.dialect = dialect;
        this.pairing = pairing;
        this.room = new RoomKey(RadixDialect.NAMESPACE, pairing.connectionId());
        this.metadata = Map.of(RadixDialect.ROLE, pairing.source());
    }

    /**
     * Joins the pairing room and tells the newcomer who of the other side is already there; whoever comes
     * after is told by a notice, held until that answer is out.
     */
    void start() {
        JoinGate g = new JoinGate(connection, 0); // Radix frames need no join: they are handled as they come
        gate = g;
        dialect.hub().join(room, this, JoinPolicy.SHARED).whenComplete((result, error) -> connection.execute(() -> {
            if (result != null) {
                for (MemberInfo other : result.others()) {
                    if (pairing.target().equals(other.meta(RadixDialect.ROLE))) {
                        connection.send(RadixWriter.notice("remoteClientIsAlreadyConnected", other.id()));
                    }
                }
            }
            g.open(); // what was held, in order; later notices go through it until it is dropped
            gate = null;
        }));
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
        if (closed) {
            return;
        }
        // upstream counts frames in fixed windows aligned across sockets (a shared ticking counter)
        long now = System.currentTimeMillis() / dialect.rateWindowMillis();
        if (now != window) {
            window = now;
            framesInWindow = 0;
        }
        if (++framesInWindow > dialect.maxFramesPerWindow()) {
            closed = true;
            connection.close(1013, "rate limit hit, slow down");
            return;
        }
        RadixMessage message = dialect.reader().read(data);
        if (message instanceof RadixMessage.NotJson notJson) {
            connection.send(RadixWriter.invalidMessage(notJson.raw()));
        } else if (message instanceof RadixMessage.Invalid invalid) {
            connection.send(RadixWriter.validationError(invalid.requestIdJson(), invalid.issuesJson()));
        } else if (message instanceof RadixMessage.Signal signal) {
            relay(signal);
        }
    }

    private void relay(RadixMessage.Signal signal) {
        MemberInfo target = dialect.hub().member(room, signal.targetClientId()).orElse(null);
        if (target == null || !pairing.target().equals(target.meta(RadixDialect.ROLE))) {
            // upstream scope: only a member of this connectionId with the targeted role can be reached
            connection.send(RadixWriter.missingRemoteClient(signal.requestId()));
            return;
        }
        // the payload is sealed end to end; the method beside it says which step this is
        var step = SignalTypes.of(signal.method());
        if (step != null) {
            connection.signaled(room.name(), id, target.id(), step);
        }
        Envelope envelope = Envelope.of(RadixWriter.remoteData(signal, id));
        var sent = dialect.hub().send(room, target.id(), envelope).toCompletableFuture();
        if (sent.isDone()) {
            answer(signal, sent.getNow(false));
        } else {
            sent.whenComplete((ok, error) -> connection.execute(() -> answer(signal, error == null && ok)));
        }
    }

    /**
     * Confirmation only when the message reached a live peer's node; upstream always confirms
     * (docs/protocols/radix-connect.md#differences-from-upstream).
     */
    private void answer(RadixMessage.Signal signal, boolean delivered) {
        connection.send(delivered ? RadixWriter.confirmation(signal.requestId())
                : RadixWriter.missingRemoteClient(signal.requestId()));
    }

    @Override
    public void onClose() {
        closed = true;
        dialect.hub().leave(room, this);
    }
}
