package dev.switchboard.transport.internal;

import dev.switchboard.limits.ConnectionLimits;
import dev.switchboard.limits.MessageBudget;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who gets a connection (docs/design/limits.md#connections): the node's connection count against
 * {@code --max-connections}, and per client address the open WebSockets and the rate of new ones. One per
 * server; thread-safe. Addresses are the client's (after trusted proxies); an IPv6 client counts by its /64,
 * since one host usually holds a whole /64.
 */
final class Admission {
    /** Why an upgrade is refused; null when it is admitted. */
    enum Refusal {
        PER_ADDRESS("per_address", "too many connections from this address"),
        RATE("connection_rate", "too many new connections from this address");

        final String metric;
        final String message;

        Refusal(String metric, String message) {
            this.metric = metric;
            this.message = message;
        }
    }

    private final ConnectionLimits limits;
    private final AtomicInteger open = new AtomicInteger();
    /** Open WebSockets per address; an address leaves the map with its last connection. */
    private final ConcurrentHashMap<String, Integer> perAddress = new ConcurrentHashMap<>();
    /** Upgrade budgets per address (one long each, see MessageBudget); swept when whole again. */
    private final ConcurrentHashMap<String, AtomicLong> upgrades = new ConcurrentHashMap<>();
    private final MessageBudget upgradeBudget;

    Admission(ConnectionLimits limits) {
        this.limits = limits;
        this.upgradeBudget = limits.upgradesPerSecond() == 0 ? MessageBudget.UNLIMITED
                : new MessageBudget(limits.upgradesPerSecond(), limits.upgradesPerSecond() * 10, 0, Duration.ZERO);
    }

    /** A TCP connection was accepted: whether the node has room for it. Each true needs a {@link #closed()}. */
    boolean accept() {
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    void closed() {
        open.decrementAndGet();
    }

    int open() {
        return open.get();
    }

    /** Whether open WebSockets are counted per address (then each close must be {@link #released}). */
    boolean countsAddresses() {
        return limits.maxPerAddress() > 0;
    }

    boolean limitsRate() {
        return upgradeBudget.enabled();
    }

    /** A WebSocket upgrade from {@code client}, before anything else is done for it: within the address's rate? */
    Refusal rate(InetAddress client) {
        if (!upgradeBudget.enabled() || client == null) {
            return null;
        }
        long now = System.nanoTime();
        AtomicLong state = upgrades.computeIfAbsent(key(client), k -> new AtomicLong());
        long before;
        long after;
        do {
            before = state.get();
            after = upgradeBudget.charge(before, now, 0);
            if (upgradeBudget.overBy(after, now) > 0) {
                return Refusal.RATE; // not charged: a refused attempt costs the address nothing more
            }
        } while (!state.compareAndSet(before, after));
        return null;
    }

    /**
     * A WebSocket about to open for {@code client}: admitted (null, and counted until {@link #released}) or
     * refused for the address's open WebSockets.
     */
    Refusal count(InetAddress client) {
        if (limits.maxPerAddress() == 0 || client == null) {
            return null;
        }
        // decided under the map's lock on the address, so that racing upgrades are admitted up to the limit exactly
        boolean[] admitted = new boolean[1];
        perAddress.compute(key(client), (k, n) -> {
            int had = n == null ? 0 : n;
            if (had >= limits.maxPerAddress()) {
                return n;
            }
            admitted[0] = true;
            return had + 1;
        });
        return admitted[0] ? null : Refusal.PER_ADDRESS;
    }

    /** An admitted WebSocket from {@code client} closed. */
    void released(InetAddress client) {
        if (limits.maxPerAddress() > 0 && client != null) {
            release(key(client));
        }
    }

    private void release(String key) {
        perAddress.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Forgets the upgrade budgets that are whole again, so the map holds only addresses seen lately. */
    void sweep() {
        long now = System.nanoTime();
        upgrades.entrySet().removeIf(e -> e.getValue().get() - now <= 0);
    }

    /** Seconds until an address refused for its rate may try again (for Retry-After). */
    int retryAfterSeconds() {
        return upgradeBudget.enabled() ? Math.max(1, (int) Math.ceil(1.0 / upgradeBudget.rate())) : 1;
    }

    static String key(InetAddress address) {
        if (address instanceof Inet6Address v6 && !v6.isLoopbackAddress()) {
            byte[] b = v6.getAddress();
            StringBuilder s = new StringBuilder(24);
            for (int i = 0; i < 8; i += 2) {
                s.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
            }
            return s.append(":/64").toString();
        }
        return address.getHostAddress();
    }
}
