package dev.switchboard.membership;

import dev.switchboard.Switchboard;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The nodes a membership scenario runs on, started as the cluster tests start them (loopback, free ports):
 * one node alone; two in-process nodes over one Redis; or two in-process nodes plus one in its own JVM, so that
 * it can be killed with SIGKILL (by its own PID) while the others go on.
 */
final class Cluster implements AutoCloseable {
    /** The topologies of the invariant test. */
    enum Topology {
        ONE_NODE("one node"),
        TWO_NODES("two nodes over Redis"),
        THREE_NODES_ONE_KILLED("three nodes over Redis, one killed with SIGKILL");

        final String description;

        Topology(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private static final java.time.Duration PATIENT_REDIS = java.time.Duration.ofSeconds(15);
    /**
     * Clients here also go without a close frame, which resume takes for a drop: a signed Rendezvous peer (and a
     * PeerJS client) is then parked and announced gone when its window ends (docs/design/resume.md). A short
     * window keeps that path in the test while its departures still come within its waits.
     */
    private static final java.time.Duration SHORT_RESUME = java.time.Duration.ofSeconds(1);
    private final RedisServer redis;
    private final List<Switchboard> embedded = new ArrayList<>();
    private final NodeProcess victim;
    private final List<Integer> ports = new ArrayList<>();
    private volatile boolean victimKilled;

    private Cluster(RedisServer redis, int embeddedNodes, boolean withVictim) {
        this.redis = redis;
        NodeProcess started = null;
        try {
            for (int i = 0; i < embeddedNodes; i++) {
                var config = TestNodes.config().nodeId("n" + i).set(NodeOptions.RESUME_WINDOW, SHORT_RESUME);
                if (redis != null) {
                    // a claim is answered unavailable past the Redis timeout: patient, as on a loaded test machine
                    config.redisUri(redis.uri()).set(NodeOptions.REDIS_TIMEOUT, PATIENT_REDIS);
                }
                Switchboard node = TestNodes.start(config.build());
                embedded.add(node);
                ports.add(node.port());
            }
            if (withVictim) {
                started = NodeProcess.start("--node-id", "n" + embeddedNodes, "--redis", redis.uri(),
                        "--redis-timeout", PATIENT_REDIS.toSeconds() + "s", "--resume-window", SHORT_RESUME.toSeconds() + "s");
                ports.add(started.port());
            }
        } catch (RuntimeException e) {
            embedded.forEach(Switchboard::close);
            if (redis != null) {
                redis.close();
            }
            throw e;
        }
        this.victim = started;
    }

    static Cluster start(Topology topology) {
        return switch (topology) {
            case ONE_NODE -> new Cluster(null, 1, false);
            case TWO_NODES -> new Cluster(RedisServer.start(), 2, false);
            case THREE_NODES_ONE_KILLED -> new Cluster(RedisServer.start(), 2, true);
        };
    }

    int size() {
        return ports.size();
    }

    int port(int node) {
        return ports.get(node);
    }

    /** The node's id, as in the clients' labels. */
    static String name(int node) {
        return "n" + node;
    }

    /** The index of the node that can be killed, or -1. */
    int victim() {
        return victim == null ? -1 : ports.size() - 1;
    }

    /** Nodes that still run: where new clients may go. */
    int[] alive() {
        return IntStream.range(0, size()).filter(n -> !(victimKilled && n == victim())).toArray();
    }

    /** SIGKILL to the victim's JVM; returns once it is gone. */
    void killVictim() {
        victimKilled = true;
        victim.kill();
    }

    @Override
    public void close() {
        if (victim != null) {
            victim.close();
        }
        embedded.forEach(Switchboard::close);
        if (redis != null) {
            redis.close();
        }
    }
}
