package dev.switchboard;

import dev.switchboard.transport.IoTransport;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything a node is configured with. Immutable; built with {@link #builder()}, which validates each value and
 * documents its default. The defaults protect the server; docs/design/limits.md says why each is what it is.
 */
public final class SwitchboardConfig {
    private final String host;
    private final int port;
    private final int ioThreads;
    private final IoTransport ioTransport;
    private final int maxFrameBytes;
    private final int maxJsonDepth;
    private final int maxOutboundBytes;
    private final Duration pingInterval;
    private final boolean compression;
    private final Duration drainTimeout;
    private final int maxTopicsPerConnection;
    private final int maxTopicNameLength;
    private final String nodeId;
    private final int grpcPort;
    private final Duration grpcIdleTimeout;
    private final int namedPeerMaxFramesPerSecond;
    private final boolean rendezvousRequireProof;
    private final int radixMaxMessageBytes;
    private final int radixMaxFramesPerSecond;
    private final String redisUri;
    private final boolean redisCluster;
    private final String clusterPrefix;
    private final Duration heartbeatInterval;
    private final Duration failureTimeout;

    private SwitchboardConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.ioThreads = b.ioThreads;
        this.ioTransport = b.ioTransport;
        this.maxFrameBytes = b.maxFrameBytes;
        this.maxJsonDepth = b.maxJsonDepth;
        this.maxOutboundBytes = b.maxOutboundBytes;
        this.pingInterval = b.pingInterval;
        this.compression = b.compression;
        this.drainTimeout = b.drainTimeout;
        this.maxTopicsPerConnection = b.maxTopicsPerConnection;
        this.maxTopicNameLength = b.maxTopicNameLength;
        this.nodeId = b.nodeId;
        this.grpcPort = b.grpcPort;
        this.grpcIdleTimeout = b.grpcIdleTimeout;
        this.namedPeerMaxFramesPerSecond = b.namedPeerMaxFramesPerSecond;
        this.rendezvousRequireProof = b.rendezvousRequireProof;
        this.radixMaxMessageBytes = b.radixMaxMessageBytes;
        this.radixMaxFramesPerSecond = b.radixMaxFramesPerSecond;
        this.redisUri = b.redisUri;
        this.redisCluster = b.redisCluster;
        this.clusterPrefix = b.clusterPrefix;
        this.heartbeatInterval = b.heartbeatInterval;
        this.failureTimeout = b.failureTimeout;
        if (failureTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("failureTimeout (" + failureTimeout
                    + ") must be at least twice the heartbeatInterval (" + heartbeatInterval + ")");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static SwitchboardConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        return new Builder()
                .host(host).port(port).ioThreads(ioThreads).ioTransport(ioTransport).maxFrameBytes(maxFrameBytes).maxJsonDepth(maxJsonDepth)
                .maxOutboundBytes(maxOutboundBytes).pingInterval(pingInterval).compression(compression)
                .drainTimeout(drainTimeout).maxTopicsPerConnection(maxTopicsPerConnection)
                .maxTopicNameLength(maxTopicNameLength).nodeId(nodeId).redisUri(redisUri).redisCluster(redisCluster)
                .grpcPort(grpcPort).grpcIdleTimeout(grpcIdleTimeout)
                .namedPeerMaxFramesPerSecond(namedPeerMaxFramesPerSecond)
                .rendezvousRequireProof(rendezvousRequireProof)
                .radixMaxMessageBytes(radixMaxMessageBytes).radixMaxFramesPerSecond(radixMaxFramesPerSecond)
                .clusterPrefix(clusterPrefix).heartbeatInterval(heartbeatInterval).failureTimeout(failureTimeout);
    }

    /** Address to listen on. Default {@code 0.0.0.0}. */
    public String host() {
        return host;
    }

    /** Port for HTTP and WebSocket; 0 picks a free one. Default 8080. */
    public int port() {
        return port;
    }

    /** Netty event-loop threads; 0 means one per available core. Default 0. */
    public int ioThreads() {
        return ioThreads;
    }

    /** Which Netty transport carries the connections. Default {@link IoTransport#AUTO}. */
    public IoTransport ioTransport() {
        return ioTransport;
    }

    /** Largest WebSocket message accepted, after reassembly of fragments; larger closes with 1009. Default 64 KiB. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Deepest JSON nesting accepted in a message; deeper is treated as invalid JSON. Default 32. */
    public int maxJsonDepth() {
        return maxJsonDepth;
    }

    /** Bytes that may wait to be written to one connection before it is dropped as a slow consumer. Default 1 MiB. */
    public int maxOutboundBytes() {
        return maxOutboundBytes;
    }

    /** Interval of WebSocket pings; a connection that answered none for two intervals is closed. Default 30 s. */
    public Duration pingInterval() {
        return pingInterval;
    }

    /** Whether permessage-deflate may be negotiated. Default off (it costs ~100 KiB per connection). */
    public boolean compression() {
        return compression;
    }

    /** How long a graceful shutdown waits for sockets to close before it exits anyway. Default 10 s. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** y-webrtc: topics one connection may subscribe to; further subscriptions are ignored. Default 1024. */
    public int maxTopicsPerConnection() {
        return maxTopicsPerConnection;
    }

    /** y-webrtc: longest topic name in characters; longer names are ignored. Default 1024. */
    public int maxTopicNameLength() {
        return maxTopicNameLength;
    }

    /** This node's id in the cluster; null means generate one. Default null. */
    public String nodeId() {
        return nodeId;
    }

    /** Port of the gRPC client/worker service; 0 picks a free one, -1 turns it off. Default 50051. */
    public int grpcPort() {
        return grpcPort;
    }

    /** A gRPC stream with no message for this long is closed. Default 60 s. */
    public Duration grpcIdleTimeout() {
        return grpcIdleTimeout;
    }

    /** Named-peer: frames one connection may send per second before they are refused. Default 50 (as upstream). */
    public int namedPeerMaxFramesPerSecond() {
        return namedPeerMaxFramesPerSecond;
    }

    /** Rendezvous: whether register must prove possession of the key (sign the challenge). Default false. */
    public boolean rendezvousRequireProof() {
        return rendezvousRequireProof;
    }

    /** Radix Connect: largest message; larger closes with 1009. Default 16 KiB (as upstream). */
    public int radixMaxMessageBytes() {
        return radixMaxMessageBytes;
    }

    /** Radix Connect: frames per socket per second before close 1013. Default 100 (as upstream). */
    public int radixMaxFramesPerSecond() {
        return radixMaxFramesPerSecond;
    }

    /** Redis to cluster through ({@code redis://host:port}); null runs a single node on the in-memory bus. */
    public String redisUri() {
        return redisUri;
    }

    /** Whether {@link #redisUri()} lists the seed nodes of a Redis Cluster (sharded pub/sub). Default false. */
    public boolean redisCluster() {
        return redisCluster;
    }

    /** Prefix of the cluster's Redis keys and channels. Default {@code switchboard}. */
    public String clusterPrefix() {
        return clusterPrefix;
    }

    /** How often a node proves to the cluster it is alive. Default 1 s. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** A node silent this long is dead and its members are removed. Default 5 s. */
    public Duration failureTimeout() {
        return failureTimeout;
    }

    /** Validating builder; every setter rejects out-of-range values at once with a message naming the option. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 8080;
        private int ioThreads = 0;
        private IoTransport ioTransport = IoTransport.AUTO;
        private int maxFrameBytes = 64 * 1024;
        private int maxJsonDepth = 32;
        private int maxOutboundBytes = 1024 * 1024;
        private Duration pingInterval = Duration.ofSeconds(30);
        private boolean compression = false;
        private Duration drainTimeout = Duration.ofSeconds(10);
        private int maxTopicsPerConnection = 1024;
        private int maxTopicNameLength = 1024;
        private String nodeId;
        private int grpcPort = 50051;
        private Duration grpcIdleTimeout = Duration.ofSeconds(60);
        private int namedPeerMaxFramesPerSecond = 50;
        private boolean rendezvousRequireProof = false;
        private int radixMaxMessageBytes = 16 * 1024;
        private int radixMaxFramesPerSecond = 100;
        private String redisUri;
        private boolean redisCluster;
        private String clusterPrefix = "switchboard";
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration failureTimeout = Duration.ofSeconds(5);

        private Builder() {
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            this.port = check("port", port, 0, 65535);
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = check("ioThreads", ioThreads, 0, 1024);
            return this;
        }

        public Builder ioTransport(IoTransport transport) {
            this.ioTransport = Objects.requireNonNull(transport, "ioTransport");
            return this;
        }

        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = check("maxFrameBytes", bytes, 125, 64 * 1024 * 1024);
            return this;
        }

        public Builder maxJsonDepth(int depth) {
            this.maxJsonDepth = check("maxJsonDepth", depth, 2, 1000);
            return this;
        }

        public Builder maxOutboundBytes(int bytes) {
            this.maxOutboundBytes = check("maxOutboundBytes", bytes, 4096, Integer.MAX_VALUE);
            return this;
        }

        public Builder pingInterval(Duration interval) {
            this.pingInterval = checkPositive("pingInterval", interval);
            return this;
        }

        public Builder compression(boolean compression) {
            this.compression = compression;
            return this;
        }

        public Builder drainTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "drainTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative: " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        public Builder maxTopicsPerConnection(int topics) {
            this.maxTopicsPerConnection = check("maxTopicsPerConnection", topics, 1, 1_000_000);
            return this;
        }

        public Builder maxTopicNameLength(int length) {
            this.maxTopicNameLength = check("maxTopicNameLength", length, 1, 1_000_000);
            return this;
        }

        public Builder nodeId(String nodeId) {
            if (nodeId != null && !nodeId.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("nodeId must be 1-64 of [A-Za-z0-9_.-]: " + nodeId);
            }
            this.nodeId = nodeId;
            return this;
        }

        public Builder grpcPort(int port) {
            this.grpcPort = check("grpcPort", port, -1, 65535);
            return this;
        }

        public Builder grpcIdleTimeout(Duration timeout) {
            this.grpcIdleTimeout = checkPositive("grpcIdleTimeout", timeout);
            return this;
        }

        public Builder namedPeerMaxFramesPerSecond(int frames) {
            this.namedPeerMaxFramesPerSecond = check("namedPeerMaxFramesPerSecond", frames, 1, 1_000_000);
            return this;
        }

        public Builder rendezvousRequireProof(boolean require) {
            this.rendezvousRequireProof = require;
            return this;
        }

        public Builder radixMaxMessageBytes(int bytes) {
            this.radixMaxMessageBytes = check("radixMaxMessageBytes", bytes, 125, 64 * 1024 * 1024);
            return this;
        }

        public Builder radixMaxFramesPerSecond(int frames) {
            this.radixMaxFramesPerSecond = check("radixMaxFramesPerSecond", frames, 1, 1_000_000);
            return this;
        }

        public Builder redisUri(String uri) {
            if (uri != null && uri.isBlank()) {
                uri = null;
            }
            if (uri != null) {
                for (String one : uri.split(",")) {
                    if (!one.trim().startsWith("redis://") && !one.trim().startsWith("rediss://")) {
                        throw new IllegalArgumentException("redis must be redis:// or rediss:// URIs: " + one);
                    }
                }
            }
            this.redisUri = uri;
            return this;
        }

        public Builder redisCluster(boolean cluster) {
            this.redisCluster = cluster;
            return this;
        }

        public Builder clusterPrefix(String prefix) {
            if (prefix == null || prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
                throw new IllegalArgumentException("clusterPrefix must be non-empty without braces: " + prefix);
            }
            this.clusterPrefix = prefix;
            return this;
        }

        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = checkPositive("heartbeatInterval", interval);
            return this;
        }

        public Builder failureTimeout(Duration timeout) {
            this.failureTimeout = checkPositive("failureTimeout", timeout);
            return this;
        }

        public SwitchboardConfig build() {
            return new SwitchboardConfig(this);
        }

        private static int check(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "]: " + value);
            }
            return value;
        }

        private static Duration checkPositive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
