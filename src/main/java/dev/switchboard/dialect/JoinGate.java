package dev.switchboard.dialect;

import dev.switchboard.core.Endpoint;
import dev.switchboard.core.Envelope;
import dev.switchboard.core.Outlet;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds what the hub delivers to a member between its join taking effect and the dialect's answer to that
 * join (login_success, welcome): a client must read its own answer before the events that follow it. A
 * session hands the gate out as its endpoint while joining and calls {@link #open} right after sending the
 * answer; what was held is then written in order, and later deliveries go straight through.
 */
public final class JoinGate implements Endpoint, Outlet {
    /** Events held for one joining member; a join answered slower than this many events is an outlier. */
    private static final int MAX_HELD = 1024;

    private final Connection connection;
    private List<Envelope> held = new ArrayList<>(4);
    private boolean open;

    public JoinGate(Connection connection) {
        this.connection = connection;
    }

    @Override
    public Outlet outlet() {
        return this;
    }

    @Override
    public synchronized void deliver(Envelope envelope, List<? extends Endpoint> receivers) {
        if (open) {
            connection.send(envelope);
        } else if (held.size() < MAX_HELD) {
            held.add(envelope);
        } else {
            connection.close(1008, "Too many events before the join was answered");
        }
    }

    /** Writes what was held, in order, and lets everything after it through. */
    public synchronized void open() {
        open = true;
        for (Envelope e : held) {
            connection.send(e);
        }
        held = List.of();
    }
}
