package dev.switchboard.membership;

import dev.switchboard.dialect.rendezvous.ClusterKeys;
import dev.switchboard.testkit.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One client of a membership scenario and every frame it received, each stamped (System.nanoTime) when it was
 * taken off the socket, which is never before it arrived: the time rules of the checks only lean on stamps in
 * the safe direction.
 */
final class Recorded {
    static final long NEVER = Long.MAX_VALUE;

    record Frame(long at, String text, Dialect.Notice notice) {
    }

    final Dialect dialect;
    final String label;
    /** The id peers know it by: the name, the Rendezvous peer ID; null for Radix, whose ids the server makes. */
    final String id;
    final int node;
    /** Radix: the connectionId of its pairing and its role (wallet or extension). */
    final String pairing;
    final String role;
    /** Rendezvous: its keys, whether it signs the challenge (a TAKEOVER join) and the challenge's nonce. */
    final ClusterKeys keys;
    final boolean signs;
    volatile String nonce;

    volatile WsClient ws;
    /** Radix: when its handshake was done (it is a member from then on); NEVER if it never was. */
    volatile long connectedAt = NEVER;
    /** When this side closed it, or just before its node was killed; NEVER while it stays. */
    private long departedAt = NEVER;
    private boolean killed;
    /** Why it could not join (a connect or a send that failed), or null. */
    volatile String failure;

    private final List<Frame> frames = new ArrayList<>();

    Recorded(Dialect dialect, String label, String id, int node, String pairing, String role, ClusterKeys keys,
             boolean signs) {
        this.dialect = dialect;
        this.label = label;
        this.id = id;
        this.node = node;
        this.pairing = pairing;
        this.role = role;
        this.keys = keys;
        this.signs = signs;
    }

    /** Takes what the socket has received so far into the record. */
    synchronized void drain() {
        WsClient w = ws;
        if (w == null) {
            return;
        }
        for (WsClient.Message m = w.poll(Duration.ZERO); m != null; m = w.poll(Duration.ZERO)) {
            frames.add(new Frame(System.nanoTime(), m.text(), dialect.parse(m.text())));
        }
    }

    synchronized List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** Closes it as a user leaving would; what it received until then stays recorded. */
    void leave() {
        synchronized (this) {
            if (departedAt != NEVER) {
                return; // its node was killed: nothing to close
            }
            drain();
            departedAt = System.nanoTime(); // before the close: the server's leave comes later still
        }
        WsClient w = ws;
        if (w != null) {
            w.close();
        }
    }

    /** Its node is being killed at {@code at}. */
    synchronized void killedAt(long at) {
        if (departedAt == NEVER) {
            departedAt = at;
            killed = true;
        }
    }

    synchronized long departedAt() {
        return departedAt;
    }

    synchronized boolean killed() {
        return killed;
    }

    boolean stays() {
        return departedAt() == NEVER;
    }

    @Override
    public String toString() {
        return label;
    }

    /** Drains every client in the background, so that stamps are close to arrival times. */
    static final class Recorder implements AutoCloseable {
        private final Collection<Recorded> clients;
        private final Thread thread;
        private volatile boolean running = true;

        Recorder(Collection<Recorded> clients) {
            this.clients = clients;
            this.thread = new Thread(this::run, "membership-recorder");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running) {
                clients.forEach(Recorded::drain);
                LockSupport.parkNanos(2_000_000);
            }
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
