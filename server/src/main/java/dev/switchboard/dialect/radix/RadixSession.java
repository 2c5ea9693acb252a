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
import dev.switchboard.dialect.JsonStrings;
import dev.switchboard.dialect.ResumeSecret;
import java.util.Map;
import java.util.UUID;

/**
 * One Radix Connect socket: a member, under a fresh UUID, of the room of its connectionId, with its role as
 * metadata. It may reach only members of the same connectionId with the role it targets. A socket that asks
 * for resume ({@code resume} in its URL) is told its id and a token; a later socket with the token takes that id
 * over as the same side (docs/protocols/radix-connect.md#resume).
 */
final class RadixSession implements DialectSession, LocalMember {
    private final Connection connection;
    private final RadixDialect dialect;
    private final RadixUrl.Pairing pairing;
    private final RoomKey room;
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile(
            "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\.([A-Za-z0-9_-]{22,128})");
    /** The close of a stale socket whose side resumed on another one. */
    static final int RESUMED_CODE = 4004;
    static final String RESUMED_REASON = "Resumed on another connection";

    private volatile String id = UUID.randomUUID().toString();
    private volatile Map<String, String> metadata;
    /** The token this socket may come back with ({@code <id>.<secret>}); null when it did not ask for resume. */
    private String resumeToken;
    /** Non-null from the join until its answer (who of the other side is already there) is sent. */
    private volatile JoinGate gate;
    private long window;
    private int framesInWindow;
    private boolean closed;
    /** {@link RadixWriter#sender} of {@link #senderId}: made once per id, not per relayed message. */
    private byte[] sender;
    private String senderId;

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
    void start(String resume) {
        JoinGate g = new JoinGate(connection, 0); // Radix frames need no join: they are handled as they come
        gate = g;
        java.util.regex.Matcher token = resume == null ? null : TOKEN.matcher(resume);
        if (token != null && token.matches()) {
            // the same side back: its id, if the token's secret is the holder's (or the id is free)
            id = token.group(1);
            resumable(token.group(2));
            dialect.hub().join(room, this, JoinPolicy.RESUME).whenComplete((result, error) -> connection.execute(() -> {
                boolean in = result != null && result.joined();
                if (closed) {
                    if (in) {
                        dialect.hub().leave(room, this); // closed while the claim was in flight
                    }
                } else if (result != null && !in) {
                    // no proof: today's answer, a new socket under a new id
                    id = UUID.randomUUID().toString();
                    resumable(ResumeSecret.fresh());
                    join(g);
                } else {
                    joined(g, result);
                }
            }));
            return;
        }
        if (resume != null) {
            resumable(ResumeSecret.fresh());
        }
        join(g);
    }

    /** This socket may resume with {@code secret}; the role is part of the proof, so it comes back as the same side. */
    private void resumable(String secret) {
        resumeToken = id + "." + secret;
        metadata = Map.of(RadixDialect.ROLE, pairing.source(),
                MemberInfo.RESUME, ResumeSecret.digest(secret + "|" + pairing.source()));
    }

    private void join(JoinGate g) {
        dialect.hub().join(room, this, JoinPolicy.SHARED).whenComplete((result, error) -> connection.execute(
                () -> joined(g, result)));
    }

    /** Answers the join: the resume token if asked for, who of the other side is here, then what was held. */
    private void joined(JoinGate g, dev.switchboard.core.JoinResult result) {
        if (resumeToken != null && !closed) {
            connection.send(RadixWriter.resumable(id, resumeToken));
        }
        if (result != null) {
            for (MemberInfo other : result.others()) {
                if (pairing.target().equals(other.meta(RadixDialect.ROLE))) {
                    connection.send(RadixWriter.notice("remoteClientIsAlreadyConnected", other.id()));
                }
            }
        }
        g.open(); // what was held (kept while it was away, then notices), in order; later ones go through it
        gate = null;
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
        String targetId = signal.targetClientId();
        if (!pairing.target().equals(dialect.hub().memberMeta(room, targetId, RadixDialect.ROLE))) {
            // upstream scope: only a member of this connectionId with the targeted role can be reached
            connection.send(RadixWriter.missingRemoteClient(signal.requestId()));
            return;
        }
        // the payload is sealed end to end; the method beside it says which step this is
        var step = SignalTypes.of(signal.method());
        if (step != null) {
            connection.signaled(room.name(), id, targetId, step);
        }
        String self = id;
        if (sender == null || senderId != self) {
            sender = RadixWriter.sender(self);
            senderId = self;
        }
        byte[] requestId = JsonStrings.quoteUtf8(signal.requestId());
        Envelope envelope = Envelope.of(RadixWriter.remoteData(signal, sender, requestId));
        var sent = dialect.hub().send(room, targetId, envelope).toCompletableFuture();
        if (sent.isDone()) {
            answer(signal, requestId, sent.getNow(false));
        } else {
            sent.whenComplete((ok, error) -> connection.execute(() -> answer(signal, requestId, error == null && ok)));
        }
    }

    /**
     * Confirmation only when the message reached a live peer's node; upstream always confirms
     * (docs/protocols/radix-connect.md#differences-from-upstream).
     */
    private void answer(RadixMessage.Signal signal, byte[] quotedRequestId, boolean delivered) {
        connection.send(delivered ? RadixWriter.confirmation(quotedRequestId)
                : RadixWriter.missingRemoteClient(signal.requestId()));
    }

    /** The same side resumed on another socket: this stale one is closed. */
    @Override
    public void evicted(RoomKey key, String reason) {
        connection.execute(() -> {
            if (!closed) {
                closed = true;
                connection.close(RESUMED_CODE, RESUMED_REASON);
            }
        });
    }

    @Override
    public void onClose() {
        closed = true;
        if (resumeToken != null && connection.lost()) {
            dialect.hub().disconnected(room, this); // parked for its resume
        } else {
            dialect.hub().leave(room, this);
        }
    }
}
