package dev.switchboard.dialect;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.Outlet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's join in flight, both ways: what the hub delivers to the member between its join taking effect and
 * the dialect's answer to that join (login_success, welcome, the Radix notice), and the frames the client sends
 * before that answer. A client must read its own answer before the events that follow it, and its frames are
 * handled once the join is known, in order. One object per join in flight, none once it is answered (nothing
 * per idle connection).
 *
 * <p>A session creates the gate when it asks to join, hands it out as its endpoint and {@link #hold}s the
 * frames that arrive, sends its answer, then {@link #open}s the gate: what was delivered meanwhile is written
 * in order, later deliveries go straight through, and the held frames come back for the session to handle.
 */
public final class JoinGate implements Endpoint, Outlet {
    /** Events held for one joining member; a join answered slower than this many events is an outlier. */
    private static final int MAX_HELD_EVENTS = 1024;

    private final Connection connection;
    private final int maxHeldFrames;
    private List<Envelope> held = new ArrayList<>(4);
    private ArrayDeque<byte[]> frames;
    private boolean open;

    /** A gate that holds at most {@code maxHeldFrames} of the client's frames. */
    public JoinGate(Connection connection, int maxHeldFrames) {
        this.connection = connection;
        this.maxHeldFrames = maxHeldFrames;
    }

    @Override
    public Outlet outlet() {
        return this;
    }

    @Override
    public synchronized void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
        if (open) {
            connection.send(envelope);
        } else if (held.size() < MAX_HELD_EVENTS) {
            held.add(envelope);
        } else {
            connection.close(1008, "Too many events before the join was answered");
        }
    }

    /**
     * Holds a frame the client sent before its join was answered; false when the gate holds its maximum
     * already (the session then closes: a client that sends that much without waiting is not following the
     * protocol).
     */
    public synchronized boolean hold(byte[] frame) {
        if (frames == null) {
            frames = new ArrayDeque<>();
        }
        if (frames.size() >= maxHeldFrames) {
            return false;
        }
        frames.add(frame);
        return true;
    }

    /** Holds frames left over from an earlier gate ahead of any this one holds (a replayed frame joined again). */
    public synchronized void holdFirst(ArrayDeque<byte[]> earlier) {
        if (frames != null) {
            earlier.addAll(frames);
        }
        frames = earlier;
    }

    /**
     * Writes what was delivered meanwhile, in order, and lets everything after it through; returns the frames
     * the client sent meanwhile, in order, for the session to handle (empty if none).
     */
    public synchronized ArrayDeque<byte[]> open() {
        open = true;
        for (Envelope e : held) {
            connection.send(e);
        }
        held = List.of();
        ArrayDeque<byte[]> out = frames == null ? new ArrayDeque<>(0) : frames;
        frames = null;
        return out;
    }
}
