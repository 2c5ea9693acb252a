package dev.switchboard.dialect.peerjs;

import com.fasterxml.jackson.core.JsonFactory;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.LocalRoom;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.MembershipHandler;
import dev.switchboard.core.RoomKey;
import dev.switchboard.core.hub.Hub;
import dev.switchboard.dialect.Connection;
import dev.switchboard.dialect.Dialect;
import dev.switchboard.dialect.DialectSession;
import dev.switchboard.dialect.Handshake;
import dev.switchboard.dialect.JsonLimits;
import dev.switchboard.dialect.JsonStrings;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The PeerJS server protocol (docs/protocols/peerjs.md; upstream is the {@code peer} npm package): clients
 * connect with a key, an id and a token; the id is unique cluster-wide; OFFER, ANSWER, CANDIDATE, LEAVE and
 * EXPIRE are relayed to another id, rebuilt with {@code src} set by the server; messages for an id that is not
 * connected wait for it, and expire with EXPIRE to the sender; a client without a HEARTBEAT is closed.
 */
public final class PeerJsDialect implements Dialect, AutoCloseable {
    public static final String NAMESPACE = "peerjs";
    /** Every connected id is a member of this one room (upstream's realm). */
    static final RoomKey ROOM = new RoomKey(NAMESPACE, "realm");
    /** How often clients are checked for their HEARTBEAT (upstream's sweep: 300 ms). */
    private static final long ALIVE_CHECK_MILLIS = 300;
    /** How often queues are checked for expiry (upstream's cleanup_out_msgs: 1000 ms). */
    private static final long EXPIRE_CHECK_MILLIS = 1000;

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PeerJsDialect.class);

    private final Hub hub;
    private final PeerJsOptions options;
    private final int maxMessageBytes;
    private final PeerJsReader reader;
    private final PeerJsQueues queues;
    /** This node's clients from their handshake until they close: counted for the limit, swept for HEARTBEATs. */
    private final Set<PeerJsSession> sessions = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;

    public PeerJsDialect(Hub hub, PeerJsOptions options, int maxMessageBytes, int maxJsonDepth) {
        this.hub = hub;
        this.options = options;
        this.maxMessageBytes = maxMessageBytes;
        JsonFactory json = JsonLimits.factory(maxJsonDepth, maxMessageBytes);
        this.reader = new PeerJsReader(json);
        this.queues = new PeerJsQueues(options.queueLimit());
        hub.handle(NAMESPACE, new MembershipHandler() {
            @Override
            public void joined(MemberInfo member, LocalRoom room) {
                deliverQueued(member.id());
            }
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-peerjs");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(guarded(this::closeSilentClients), ALIVE_CHECK_MILLIS, ALIVE_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(guarded(this::expireQueues), EXPIRE_CHECK_MILLIS, EXPIRE_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** A periodic task that logs a failure instead of dying with it (a scheduled task that throws never runs again). */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("PeerJS sweep failed", e);
            }
        };
    }

    /** Whether an upgrade is for this dialect: its path is exactly the WebSocket path (the query is not looked at). */
    public boolean matches(Handshake handshake) {
        return handshake.rawPath().equals(options.webSocketPath());
    }

    public PeerJsOptions options() {
        return options;
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
        // upstream reads the query with Object.fromEntries(searchParams): the last of repeated parameters counts
        String id = last(handshake, "id");
        String token = last(handshake, "token");
        String key = last(handshake, "key");
        if (id == null || token == null || key == null) {
            return refuse(connection, PeerJsWriter.NO_PARAMETERS);
        }
        if (!key.equals(options.key())) {
            return refuse(connection, PeerJsWriter.INVALID_KEY);
        }
        if (!PeerJsSession.validId(id)) {
            return refuse(connection, PeerJsSession.INVALID_ID);
        }
        // upstream checks the limit for a new id only: one held (perhaps by this token) goes on to be decided
        if (sessions.size() >= options.concurrentLimit() && !hub.has(ROOM, id)) {
            return refuse(connection, PeerJsWriter.LIMIT);
        }
        PeerJsSession session = new PeerJsSession(connection, this, id, token);
        sessions.add(session);
        session.start();
        return session;
    }

    private static String last(Handshake handshake, String name) {
        List<String> values = handshake.query().get(name);
        String v = values == null || values.isEmpty() ? null : values.get(values.size() - 1);
        return v == null || v.isEmpty() ? null : v;
    }

    /** Upstream's refusal: an ERROR, then a close frame without a status (the client sees 1005). */
    private static DialectSession refuse(Connection connection, String msg) {
        connection.send(PeerJsWriter.error(msg));
        connection.close(-1, "");
        return DialectSession.CLOSING;
    }

    void closed(PeerJsSession session) {
        sessions.remove(session);
    }

    /** Holds a message for an id that is not connected; false when its queue is full. */
    boolean enqueue(String destinationJson, String src, byte[] frame) {
        return queues.add(destinationJson, new PeerJsQueues.Queued(src, frame), System.currentTimeMillis());
    }

    /**
     * Hands an id that connected (anywhere) what this node's clients sent it meanwhile, in order; one thread at a
     * time per id (PeerJsQueues#startDelivering), which also sends what is queued while it sends.
     */
    void deliverQueued(String id) {
        String key = JsonStrings.quote(id);
        if (!queues.startDelivering(key)) {
            return;
        }
        boolean done = false;
        try {
            do {
                for (PeerJsQueues.Queued m : queues.take(key)) {
                    hub.send(ROOM, id, Envelope.of(m.frame()));
                }
            } while (!queues.stopDeliveringIfEmpty(key));
            done = true;
        } finally {
            if (!done) {
                queues.abandonDelivering(key);
            }
        }
    }

    private void closeSilentClients() {
        long now = System.nanoTime();
        long timeout = options.aliveTimeout().toNanos();
        for (PeerJsSession s : sessions) {
            if (s.silentFor(now) >= timeout) {
                s.timeOut();
            }
        }
    }

    private void expireQueues() {
        for (PeerJsQueues.Expired e : queues.expire(System.currentTimeMillis(), options.expireTimeout().toMillis())) {
            for (String sender : e.senders()) {
                hub.send(ROOM, sender, Envelope.of(PeerJsWriter.expire(e.destinationJson(), sender)));
            }
        }
    }

    Hub hub() {
        return hub;
    }

    PeerJsReader reader() {
        return reader;
    }

    /** Clients of this node (connected or deciding their id). */
    public int clients() {
        return sessions.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
