package dev.switchboard.cluster.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.nio.file.Path;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the Redis bus needs of Redis: one connection for commands and one for subscriptions per node, which
 * keeps each sender's order. Over one Redis ({@link #standalone}) channels are plain PUBLISH/SUBSCRIBE; over a
 * Redis Cluster ({@link #cluster}) commands are routed by key slot (every script touches one room's keys, which
 * share a hash tag) and channels are sharded (SPUBLISH/SSUBSCRIBE), so a room's traffic stays on the shard that
 * owns the room's slot instead of being broadcast to every shard. The two differ only in how they connect and
 * in {@link #sharded}, which picks the channel commands.
 */
public final class RedisLink implements AutoCloseable {
    private final AbstractRedisClient client;
    private final StatefulConnection<byte[], byte[]> connection;
    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private final boolean sharded;
    private final ScriptRunner scripts;
    /** Batches the command connection's publishes per event-loop turn (one Redis); null: Lettuce flushes each. */
    private final CommandFlusher flusher;
    /** The one thread the subscription connection's commands are sent from (see {@link #inOrder}). */
    private final Executor serial;

    private RedisLink(AbstractRedisClient client, StatefulConnection<byte[], byte[]> connection,
                      RedisClusterAsyncCommands<byte[], byte[]> redis,
                      StatefulRedisPubSubConnection<byte[], byte[]> subscription, boolean sharded,
                      CommandFlusher flusher, Executor serial) {
        this.client = client;
        this.connection = connection;
        this.redis = redis;
        this.subscription = subscription;
        this.sharded = sharded;
        this.flusher = flusher;
        this.serial = serial;
        this.scripts = new ScriptRunner(redis, this::sent);
    }

    /**
     * One Redis: a command connection and a RESP3 subscription connection that also serves ordered reads.
     * {@code publishTimeout}: how long a publish may wait (see {@link BusTimeouts}); {@code nodeId}: whose
     * broadcasts the subscription drops unread ({@link SubscriptionCodec}); {@code offLoop}: one thread, never one of
     * Lettuce's, where a flush asked for on one of Lettuce's threads runs ({@link CommandFlusher}) and the
     * subscription connection's commands are sent from ({@link #inOrder}); {@code channelLoop}: the node's event
     * loop the connections are registered with when {@code resources} run them there ({@link NodeLoops}), else null.
     */
    public static RedisLink standalone(ClientResources resources, String uri, Duration commandTimeout,
                                       Duration publishTimeout, Path tlsCa, String nodeId, Executor offLoop,
                                       EventLoop channelLoop) {
        RedisClient client = standaloneClient(resources, uri, commandTimeout, publishTimeout, tlsCa);
        var connection = client.connect(ByteArrayCodec.INSTANCE);
        return new RedisLink(client, connection, connection.async(), client.connectPubSub(new SubscriptionCodec(nodeId)),
                false, new CommandFlusher(connection, offLoop, channelLoop), offLoop);
    }

    private static RedisClient standaloneClient(ClientResources resources, String uri, Duration commandTimeout,
                                                Duration publishTimeout, Path tlsCa) {
        RedisClient client = RedisClient.create(resources, RedisURI.create(uri));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // While Redis is away, fail at once instead of queueing without bound.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // RESP3 lets the subscription connection run reads, which keeps them ordered with the events.
                .protocolVersion(ProtocolVersion.RESP3)
                .timeoutOptions(BusTimeouts.options(commandTimeout, publishTimeout))
                .sslOptions(ssl(tlsCa))
                .build());
        return client;
    }

    /**
     * One Redis, a command connection alone on {@code resources}' own threads, each command flushed as it is
     * made: the heartbeats' link of a node whose main link runs on the node's event loop. A beat must not wait
     * behind a busy loop's queue of client work, or a node that is merely behind is taken for dead (and its
     * members re-registered, which puts it further behind).
     */
    public static RedisLink forBeats(ClientResources resources, String uri, Duration commandTimeout, Path tlsCa,
                                     Executor serial) {
        RedisClient client = standaloneClient(resources, uri, commandTimeout, commandTimeout, tlsCa);
        var connection = client.connect(ByteArrayCodec.INSTANCE);
        return new RedisLink(client, connection, connection.async(), null, false, null, serial);
    }

    /** A Redis Cluster, from its seed nodes (comma-separated URIs). */
    public static RedisLink cluster(ClientResources resources, String uris, Duration commandTimeout,
                                    Duration publishTimeout, Path tlsCa, String nodeId, Executor serial) {
        List<RedisURI> seeds = new ArrayList<>();
        for (String uri : uris(uris)) {
            seeds.add(RedisURI.create(uri.trim()));
        }
        RedisClusterClient client = RedisClusterClient.create(resources, seeds);
        client.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                // Shard connections open lazily, so commands may briefly wait for one; the queue is bounded.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.DEFAULT)
                .requestQueueSize(10_000)
                .sslOptions(ssl(tlsCa))
                .timeoutOptions(BusTimeouts.options(commandTimeout, publishTimeout))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .enablePeriodicRefresh(Duration.ofSeconds(30))
                        .build())
                .build());
        StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        // each shard has a connection of its own: publishes are flushed one by one there (no batching)
        return new RedisLink(client, connection, connection.async(), client.connectPubSub(new SubscriptionCodec(nodeId)),
                true, null, serial);
    }

    /**
     * TLS for rediss:// URIs: TLS 1.2 or 1.3, the server's certificate checked against {@code tlsCa} (PEM) or, when
     * null, the JVM's trust store; the host name is checked as Lettuce does by default (verifyPeer FULL).
     */
    private static SslOptions ssl(Path tlsCa) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider().protocols("TLSv1.3", "TLSv1.2");
        if (tlsCa != null) {
            b.trustManager(tlsCa.toFile());
        }
        return b.build();
    }

    /** Whether channels are sharded; the Lua scripts then publish with SPUBLISH (and count with SHARDNUMSUB). */
    public boolean sharded() {
        return sharded;
    }

    /** A script as this link must run it. */
    public String script(String source) {
        return sharded ? source.replace("'PUBLISH'", "'SPUBLISH'").replace("'NUMSUB'", "'SHARDNUMSUB'") : source;
    }

    public <T> CompletionStage<T> eval(String script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        // by SHA over one Redis; a Redis Cluster's shards would each need the script loaded: there, the text
        if (sharded) {
            return redis.eval(script(script), type, keys, args);
        }
        return scripts.eval(script, type, keys, args); // flushed by the runner
    }

    /** Sent with the rest of the calling event loop's turn (CommandFlusher), or at once off a loop. */
    public CompletionStage<Long> publish(byte[] channel, byte[] message) {
        if (sharded) {
            return redis.spublish(channel, message);
        }
        CompletionStage<Long> out = redis.publish(channel, message);
        if (flusher != null) {
            flusher.published();
        }
        return out;
    }

    public CompletionStage<Long> sadd(byte[] key, byte[] member) {
        return sent(redis.sadd(key, member));
    }

    public CompletionStage<Long> srem(byte[] key, byte[] member) {
        return sent(redis.srem(key, member));
    }

    public CompletionStage<Set<byte[]>> smembers(byte[] key) {
        return sent(redis.smembers(key));
    }

    public CompletionStage<Long> del(byte[] key) {
        return sent(redis.del(key));
    }

    public CompletionStage<Long> zrem(byte[] key, byte[] member) {
        return sent(redis.zrem(key, member));
    }

    /** Every command but a publish goes out at once, with the publishes buffered before it. */
    private <T> T sent(T command) {
        sent();
        return command;
    }

    private void sent() {
        if (flusher != null) {
            flusher.sent();
        }
    }

    /**
     * A room's member hash, read through the subscription connection so that its reply is ordered with the
     * room's events: over one Redis, RESP3 lets that connection run reads; over a cluster it routes by slot, so
     * the read goes down the same shard connection as the room channel's SSUBSCRIBE (same hash tag).
     */
    public CompletionStage<Map<byte[], byte[]>> members(byte[] key) {
        return inOrder(() -> subscription.async().hgetall(key));
    }

    public CompletionStage<Void> subscribe(byte[] channel) {
        return inOrder(() -> sharded ? subscription.async().ssubscribe(channel) : subscription.async().subscribe(channel));
    }

    public CompletionStage<Void> unsubscribe(byte[] channel) {
        return inOrder(() -> sharded ? subscription.async().sunsubscribe(channel)
                : subscription.async().unsubscribe(channel));
    }

    /**
     * Sends a command of the subscription connection from one thread, {@code serial}, in the order of the calls.
     * Netty writes at once when a channel is written on its own event loop and queues the write when it comes
     * from another thread; a room retired on one thread ({@code UNSUBSCRIBE}) and created again on the
     * connection's own loop ({@code SUBSCRIBE}) would reach Redis the other way round, and the node would stay
     * deaf to the room. Sent from one thread that is never the connection's loop, every command is queued there
     * in call order. These are per room, not per message.
     */
    private <T> CompletionStage<T> inOrder(Supplier<CompletionStage<T>> command) {
        try {
            return CompletableFuture.supplyAsync(command, serial).thenCompose(sent -> sent);
        } catch (RejectedExecutionException closing) {
            return command.get(); // the bus is closing
        }
    }

    /** Where messages of subscribed channels go: (channel, message), on a Redis client thread. */
    public void onMessage(BiConsumer<byte[], byte[]> handler) {
        if (subscription instanceof StatefulRedisClusterPubSubConnection<byte[], byte[]> shards) {
            // sharded messages come from the shard connections, which report to the cluster listener only
            shards.addListener(new RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
                    handler.accept(channel, message);
                }
            });
        } else {
            subscription.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] channel, byte[] message) {
                    handler.accept(channel, message);
                }
            });
        }
    }

    /**
     * Called when a connection to Redis comes up again, and when one is lost; each is told whether it was a
     * subscription connection (which Redis also closes on its own, for a subscriber too far behind).
     */
    public void onConnection(Consumer<Boolean> connected, Consumer<Boolean> lost) {
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
                lost.accept(c instanceof StatefulRedisPubSubConnection);
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                connected.accept(c instanceof StatefulRedisPubSubConnection);
            }
        });
    }

    /** Whether the command connection is up (Lettuce's view). */
    public boolean commandConnectionOpen() {
        return connection.isOpen();
    }

    /** {@code INFO section} over the command connection, as text. */
    public CompletionStage<String> info(String section) {
        return sent(redis.info(section));
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.close();
        }
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    static List<String> uris(String list) {
        return List.of(list.split(","));
    }
}
