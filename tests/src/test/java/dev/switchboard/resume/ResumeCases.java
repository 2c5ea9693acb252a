package dev.switchboard.resume;

import static org.awaitility.Awaitility.await;

import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.testkit.NodeProcess;
import dev.switchboard.testkit.RedisClusterServer;
import dev.switchboard.testkit.RedisServer;
import dev.switchboard.testkit.TestNodes;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** What every dialect's resume tests set up the same way: their waits, a node quick to notice a drop, a node to kill. */
final class ResumeCases {
    /** How long a test listens to be sure nothing more comes. */
    static final Duration QUIET = Duration.ofMillis(500);
    /** Generous: the machine may be loaded. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private ResumeCases() {
    }

    /** A node that notices a silent connection within a second or two. */
    static Switchboard quickNode(Duration window) {
        return TestNodes.start(TestNodes.config().set(NodeOptions.PING_INTERVAL, Duration.ofMillis(500))
                .set(NodeOptions.RESUME_WINDOW, window).build());
    }

    static void awaitParked(Switchboard node, long parked) {
        await().atMost(PATIENCE).until(() -> node.hub().resumeStats().parked() == parked);
    }

    static void awaitKept(Switchboard node, long kept) {
        await().atMost(PATIENCE).until(() -> node.hub().resumeStats().kept() == kept);
    }

    /**
     * A node in this JVM ({@code survivor}) and one in a process of its own ({@code victim}) over a real Redis, for
     * the case of a client whose node is killed with {@code kill -9} and that comes back on the survivor.
     */
    static final class KilledNode implements AutoCloseable {
        private final AutoCloseable redis;
        private final Switchboard survivor;
        private final NodeProcess victim;

        private KilledNode(AutoCloseable redis, Switchboard survivor, NodeProcess victim) {
            this.redis = redis;
            this.survivor = survivor;
            this.victim = victim;
        }

        /** Over one Redis. */
        static KilledNode overRedis() {
            return overRedis(UnaryOperator.identity());
        }

        /** Over one Redis, the survivor's configuration changed by {@code survivorConfig}. */
        static KilledNode overRedis(UnaryOperator<SwitchboardConfig.Builder> survivorConfig) {
            RedisServer redis = RedisServer.start();
            return start(redis, redis.uri(), false, survivorConfig);
        }

        /** Over a three-master Redis Cluster. */
        static KilledNode overRedisCluster() {
            RedisClusterServer redis = RedisClusterServer.start(3);
            return start(redis, redis.uris(), true, UnaryOperator.identity());
        }

        private static KilledNode start(AutoCloseable redis, String uri, boolean cluster,
                                        UnaryOperator<SwitchboardConfig.Builder> survivorConfig) {
            Switchboard survivor = null;
            try {
                survivor = TestNodes.start(survivorConfig.apply(TestNodes.config().nodeId("survivor").redisUri(uri)
                        .redisCluster(cluster)).build());
                NodeProcess victim = NodeProcess.start("--node-id", "victim", "--redis", uri,
                        "--redis-cluster", Boolean.toString(cluster));
                return new KilledNode(redis, survivor, victim);
            } catch (RuntimeException e) {
                closeQuietly(survivor);
                closeQuietly(redis);
                throw e;
            }
        }

        Switchboard survivor() {
            return survivor;
        }

        NodeProcess victim() {
            return victim;
        }

        /** {@code kill -9} of the victim. */
        void kill() {
            victim.kill();
        }

        /** Over one Redis: until Redis has seen the killed victim's connections close (its channel is unheard). */
        void awaitVictimGoneFromRedis() {
            RedisServer one = (RedisServer) redis;
            await().atMost(PATIENCE).until(() -> one.command("PUBSUB", "NUMSUB", "switchboard:d:victim").contains(":0"));
        }

        /** Until the survivor has reaped the victim (its resumable members stay parked). */
        void awaitReaped() {
            await().atMost(PATIENCE).until(() -> survivor.hub().bus().status().nodes() == 1);
        }

        @Override
        public void close() {
            closeQuietly(victim);
            closeQuietly(survivor);
            closeQuietly(redis);
        }

        private static void closeQuietly(AutoCloseable c) {
            if (c == null) {
                return;
            }
            try {
                c.close();
            } catch (Exception e) {
                // a test's own failure is the one to report
            }
        }
    }
}
