package dev.switchboard.cluster.internal;

import dev.switchboard.core.LeaveReason;
import dev.switchboard.core.bus.BusListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coming back: when Redis is reachable again, or this node finds it was dropped from the cluster, the hub
 * registers its members again and reconciles, and registrations of members that left meanwhile are withdrawn.
 */
public final class Resync {
    private static final Logger log = LoggerFactory.getLogger(Resync.class);
    /** Pause before, and between, the two looks for registrations of members that left during an outage. */
    private static final long STALE_CHECK_MILLIS = 500;

    private final RedisLink redis;
    private final BusMessages names;
    private final String nodeId;
    private final Registry registry;
    private final BusState state;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile BusListener listener;
    private volatile Runnable beat;

    public Resync(RedisLink redis, BusMessages names, String nodeId, Registry registry, BusState state,
                  ScheduledExecutorService timer) {
        this.redis = redis;
        this.names = names;
        this.nodeId = nodeId;
        this.registry = registry;
        this.state = state;
        this.timer = timer;
    }

    /** Whom to tell, and how to beat once reconnected; set before the first {@link #schedule}. */
    public void start(BusListener listener, Runnable beat) {
        this.listener = listener;
        this.beat = beat;
    }

    /** A resync soon, once: the events of both connections coming back are coalesced. */
    public void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            timer.schedule(this::resync, 200, TimeUnit.MILLISECONDS);
        }
    }

    private void resync() {
        scheduled.set(false);
        if (state.closed()) {
            return;
        }
        boolean wasConnected = state.connected();
        state.connected(true);
        beat.run();
        redis.subscribe(names.nodeChannel(nodeId));
        if (!wasConnected) {
            log.info("Redis is back; re-registering this node's members");
        }
        listener.reconnected();
        timer.schedule(this::withdrawDeparted, STALE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Members that left while Redis was away could not be released; a Redis that kept its data (a blip, a
     * failover, persistence) still lists them. Withdraws the registrations this node's index lists for members
     * it does not hold, checking twice apart so that a join between its claim and its arrival is not mistaken
     * for a departure.
     */
    private void withdrawDeparted() {
        if (state.closed()) {
            return;
        }
        registry.ownIndex().thenAccept(entries -> {
            List<byte[]> absent = new ArrayList<>();
            for (byte[] entry : entries) {
                if (!holds(entry)) {
                    absent.add(entry);
                }
            }
            if (absent.isEmpty() || state.closed()) {
                return;
            }
            timer.schedule(() -> {
                for (byte[] entry : absent) {
                    if (!state.closed() && !holds(entry)) {
                        registry.releaseIndexed(nodeId, entry, LeaveReason.LEFT);
                    }
                }
            }, STALE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    /** Whether this node still holds the member one of its index entries names. */
    private boolean holds(byte[] entry) {
        String[] parts = BusMessages.parseIndexEntry(entry);
        return listener.holds(BusMessages.room(parts[1]), parts[0]);
    }
}
