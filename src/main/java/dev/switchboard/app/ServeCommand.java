package dev.switchboard.app;

import dev.switchboard.transport.IoTransport;
import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code switchboard serve}: runs one node until SIGTERM or SIGINT, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start a node: HTTP, /health, /ready, /metrics and every WebSocket dialect on one port.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "${env:SWITCHBOARD_HOST:-0.0.0.0}",
            description = "Address to listen on (env SWITCHBOARD_HOST). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "${env:PORT:-8080}",
            description = "Port for HTTP and WebSocket (env PORT). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--grpc-port", defaultValue = "${env:SWITCHBOARD_GRPC_PORT:-50051}",
            description = "Port of the gRPC client/worker service; -1 turns it off (env SWITCHBOARD_GRPC_PORT). "
                    + "Default: ${DEFAULT-VALUE}.")
    int grpcPort;

    @Option(names = "--grpc-idle-timeout", defaultValue = "${env:SWITCHBOARD_GRPC_IDLE_TIMEOUT:-60s}",
            converter = DurationConverter.class,
            description = "A gRPC stream silent this long is closed (env SWITCHBOARD_GRPC_IDLE_TIMEOUT). "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration grpcIdleTimeout;

    @Option(names = "--node-id", defaultValue = "${env:SWITCHBOARD_NODE_ID}",
            description = "This node's id in a cluster (env SWITCHBOARD_NODE_ID). Default: generated.")
    String nodeId;

    @Option(names = "--redis", defaultValue = "${env:SWITCHBOARD_REDIS}",
            description = "Redis to cluster through, e.g. redis://127.0.0.1:6379 (env SWITCHBOARD_REDIS). "
                    + "Default: none (a single node).")
    String redis;

    @Option(names = "--redis-cluster", defaultValue = "${env:SWITCHBOARD_REDIS_CLUSTER:-false}",
            description = "--redis lists the seed nodes of a Redis Cluster, comma-separated; rooms use sharded "
                    + "pub/sub (env SWITCHBOARD_REDIS_CLUSTER). Default: ${DEFAULT-VALUE}.")
    boolean redisCluster;

    @Option(names = "--cluster-prefix", defaultValue = "${env:SWITCHBOARD_CLUSTER_PREFIX:-switchboard}",
            description = "Prefix of the cluster's Redis keys and channels (env SWITCHBOARD_CLUSTER_PREFIX). "
                    + "Default: ${DEFAULT-VALUE}.")
    String clusterPrefix;

    @Option(names = "--heartbeat-interval", defaultValue = "${env:SWITCHBOARD_HEARTBEAT_INTERVAL:-1s}",
            converter = DurationConverter.class,
            description = "How often a node tells the cluster it is alive (env SWITCHBOARD_HEARTBEAT_INTERVAL). "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration heartbeatInterval;

    @Option(names = "--failure-timeout", defaultValue = "${env:SWITCHBOARD_FAILURE_TIMEOUT:-5s}",
            converter = DurationConverter.class,
            description = "A node silent this long is dead; its peers are removed (env SWITCHBOARD_FAILURE_TIMEOUT). "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration failureTimeout;

    @Option(names = "--io-threads", defaultValue = "${env:SWITCHBOARD_IO_THREADS:-0}",
            description = "Network threads; 0 = one per core (env SWITCHBOARD_IO_THREADS). Default: ${DEFAULT-VALUE}.")
    int ioThreads;

    @Option(names = "--transport", defaultValue = "${env:SWITCHBOARD_TRANSPORT:-auto}",
            description = "Network transport: auto (epoll on Linux, else nio), epoll, io_uring or nio; a native one "
                    + "the platform lacks fails the start (env SWITCHBOARD_TRANSPORT). Default: ${DEFAULT-VALUE}.")
    IoTransport transport;

    @Option(names = "--leak-detection", defaultValue = "${env:SWITCHBOARD_LEAK_DETECTION:-disabled}",
            description = "Netty's buffer leak detection: disabled, simple, advanced or paranoid. Off by default: "
                    + "even sampled it costs a few percent of CPU per message; the test suite runs paranoid "
                    + "(env SWITCHBOARD_LEAK_DETECTION). Default: ${DEFAULT-VALUE}.")
    ResourceLeakDetector.Level leakDetection;

    @Option(names = "--max-message-bytes", defaultValue = "${env:SWITCHBOARD_MAX_MESSAGE_BYTES:-65536}",
            description = "Largest WebSocket message; larger closes with 1009 (env SWITCHBOARD_MAX_MESSAGE_BYTES). "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxMessageBytes;

    @Option(names = "--max-json-depth", defaultValue = "${env:SWITCHBOARD_MAX_JSON_DEPTH:-32}",
            description = "Deepest JSON nesting accepted (env SWITCHBOARD_MAX_JSON_DEPTH). Default: ${DEFAULT-VALUE}.")
    int maxJsonDepth;

    @Option(names = "--max-outbound-bytes", defaultValue = "${env:SWITCHBOARD_MAX_OUTBOUND_BYTES:-1048576}",
            description = "Bytes queued for one connection before it is dropped as a slow consumer "
                    + "(env SWITCHBOARD_MAX_OUTBOUND_BYTES). Default: ${DEFAULT-VALUE}.")
    int maxOutboundBytes;

    @Option(names = "--ping-interval", defaultValue = "${env:SWITCHBOARD_PING_INTERVAL:-30s}",
            converter = DurationConverter.class,
            description = "WebSocket ping interval; silent for two intervals = closed (env SWITCHBOARD_PING_INTERVAL). "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration pingInterval;

    @Option(names = "--drain-timeout", defaultValue = "${env:SWITCHBOARD_DRAIN_TIMEOUT:-10s}",
            converter = DurationConverter.class,
            description = "Longest graceful shutdown (env SWITCHBOARD_DRAIN_TIMEOUT). Default: ${DEFAULT-VALUE}.")
    Duration drainTimeout;

    @Option(names = "--compression", defaultValue = "${env:SWITCHBOARD_COMPRESSION:-false}",
            description = "Allow permessage-deflate (costs ~100 KiB per connection) (env SWITCHBOARD_COMPRESSION). "
                    + "Default: ${DEFAULT-VALUE}.")
    boolean compression;

    @Option(names = "--max-topics", defaultValue = "${env:SWITCHBOARD_MAX_TOPICS:-1024}",
            description = "y-webrtc: topics per connection (env SWITCHBOARD_MAX_TOPICS). Default: ${DEFAULT-VALUE}.")
    int maxTopics;

    @Option(names = "--max-topic-length", defaultValue = "${env:SWITCHBOARD_MAX_TOPIC_LENGTH:-1024}",
            description = "y-webrtc: longest topic name (env SWITCHBOARD_MAX_TOPIC_LENGTH). Default: ${DEFAULT-VALUE}.")
    int maxTopicLength;

    @Option(names = "--named-peer-rate", defaultValue = "${env:SWITCHBOARD_NAMED_PEER_RATE:-50}",
            description = "Named-peer: frames per second per connection before rate_limit_exceeded "
                    + "(env SWITCHBOARD_NAMED_PEER_RATE). Default: ${DEFAULT-VALUE}.")
    int namedPeerRate;

    @Option(names = "--rendezvous-require-proof", defaultValue = "${env:SWITCHBOARD_RENDEZVOUS_REQUIRE_PROOF:-false}",
            description = "Rendezvous: refuse a register without a valid signature of the challenge "
                    + "(env SWITCHBOARD_RENDEZVOUS_REQUIRE_PROOF). Default: ${DEFAULT-VALUE}.")
    boolean rendezvousRequireProof;

    @Option(names = "--radix-max-message-bytes", defaultValue = "${env:SWITCHBOARD_RADIX_MAX_MESSAGE_BYTES:-16384}",
            description = "Radix Connect: largest message (env SWITCHBOARD_RADIX_MAX_MESSAGE_BYTES). Default: ${DEFAULT-VALUE}.")
    int radixMaxMessageBytes;

    @Option(names = "--radix-rate", defaultValue = "${env:SWITCHBOARD_RADIX_RATE:-100}",
            description = "Radix Connect: frames per second per socket before close 1013 (env SWITCHBOARD_RADIX_RATE). "
                    + "Default: ${DEFAULT-VALUE}.")
    int radixRate;

    @Option(names = "--log-format", defaultValue = "${env:SWITCHBOARD_LOG_FORMAT:-text}",
            description = "Log format, text or json (env SWITCHBOARD_LOG_FORMAT). Default: ${DEFAULT-VALUE}.")
    LogFormat logFormat;

    @Option(names = "--log-level", defaultValue = "${env:SWITCHBOARD_LOG_LEVEL:-INFO}",
            description = "Level of Switchboard's own logs (env SWITCHBOARD_LOG_LEVEL). Default: ${DEFAULT-VALUE}.")
    String logLevel;

    enum LogFormat { text, json }

    @Override
    public Integer call() throws Exception {
        // Before the first logger exists: logback reads these when it initialises.
        System.setProperty("switchboard.log.level", logLevel);
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile",
                    logFormat == LogFormat.json ? "logback-json.xml" : "logback.xml");
        }
        ResourceLeakDetector.setLevel(leakDetection);
        LoggerFactory.getLogger(ServeCommand.class).info("buffer leak detection: {}",
                leakDetection.name().toLowerCase());
        SwitchboardConfig config = SwitchboardConfig.builder()
                .host(host).port(port).nodeId(nodeId).ioThreads(ioThreads).ioTransport(transport)
                .maxFrameBytes(maxMessageBytes).maxJsonDepth(maxJsonDepth).maxOutboundBytes(maxOutboundBytes)
                .pingInterval(pingInterval).drainTimeout(drainTimeout).compression(compression)
                .maxTopicsPerConnection(maxTopics).maxTopicNameLength(maxTopicLength)
                .grpcPort(grpcPort).grpcIdleTimeout(grpcIdleTimeout)
                .namedPeerMaxFramesPerSecond(namedPeerRate)
                .rendezvousRequireProof(rendezvousRequireProof)
                .radixMaxMessageBytes(radixMaxMessageBytes).radixMaxFramesPerSecond(radixRate)
                .redisUri(redis).redisCluster(redisCluster).clusterPrefix(clusterPrefix)
                .heartbeatInterval(heartbeatInterval).failureTimeout(failureTimeout)
                .build();
        // The hook is in place before the node starts: a SIGTERM during start-up still shuts down gracefully.
        AtomicReference<Switchboard> node = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Switchboard started = node.get();
            if (started != null) {
                started.close();
            }
            stopped.countDown();
        }, "switchboard-shutdown"));
        node.set(Switchboard.start(config));
        stopped.await();
        return 0;
    }
}
