package dev.switchboard.cluster.internal;

import dev.switchboard.core.Envelope;
import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.MemberInfo;
import dev.switchboard.core.bus.BusListener;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads what arrives on this node's subscriptions and tells the hub, in arrival order. */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final BusMessages names;
    private final String nodeId;
    private final BusState state;
    private final Runnable resync;
    private volatile BusListener listener;

    /** {@code resync}: what to do when another node took this one for dead. */
    public Dispatcher(BusMessages names, String nodeId, BusState state, Runnable resync) {
        this.names = names;
        this.nodeId = nodeId;
        this.state = state;
        this.resync = resync;
    }

    public void start(BusListener listener) {
        this.listener = listener;
    }

    /** One message of a subscribed channel. */
    public void dispatch(byte[] channel, byte[] message) {
        if (message == SubscriptionCodec.OWN_BROADCAST) {
            return; // delivered to this node's members when it was sent
        }
        BusListener l = listener;
        try {
            BusMessages.Message m = BusMessages.parse(message);
            switch (m.kind()) {
                case 'M' -> {
                    if (!m.origin().equals(nodeId)) {
                        l.message(names.roomOfChannel(channel), null, m.exceptId(), Envelope.remote(m.payload()));
                    }
                }
                case 'D' -> l.message(m.room(), m.memberId(), null, Envelope.remote(m.payload()));
                case 'J' -> l.joined(names.roomOfChannel(channel), BusMessages.member(m.memberId(), m.value()), m.seq());
                case 'L' -> {
                    MemberInfo member = BusMessages.member(m.memberId(), m.value());
                    boolean ours = member.nodeId().equals(nodeId);
                    if (ours && m.origin().equals(nodeId)) {
                        return; // this node's own change to its own member: the hub applied it from the answer
                    }
                    if (m.reason() == LeaveReason.NODE_LOST && ours) {
                        // another node took this one for dead (a long pause, a cut-off) and is removing its
                        // members: register again what is still here, once the removal is done
                        log.warn("the cluster took this node for dead; re-registering its members");
                        resync.run();
                    }
                    l.left(names.roomOfChannel(channel), member, m.reason(), m.seq());
                }
                case 'F' -> l.fence(m.room(), m.memberId(), m.value(), m.seq());
                case 'A' -> l.fencePassed(m.room(), m.seq());
                case 'E' -> l.evicted(m.room(), new MemberInfo(m.memberId(), nodeId, Map.of()));
                case 'P' -> state.hopMillis((System.nanoTime() - Long.parseLong(m.memberId())) / 1e6);
                default -> log.warn("ignoring unknown bus message kind {}", m.kind());
            }
        } catch (RuntimeException e) {
            log.error("failed to handle a bus message on {}", new String(channel, StandardCharsets.UTF_8), e);
        }
    }
}
