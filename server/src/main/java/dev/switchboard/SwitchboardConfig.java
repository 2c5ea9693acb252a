package dev.switchboard;

import dev.switchboard.auth.AuthModes;
import dev.switchboard.config.Durations;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.config.Option;
import dev.switchboard.config.OptionException;
import dev.switchboard.transport.IoTransport;
import dev.switchboard.transport.OriginPolicy;
import dev.switchboard.transport.TrustedProxies;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Everything a node is configured with. Immutable; built with {@link #builder()}, which checks each value
 * against its option's definition in {@link NodeOptions} (where every default, range and help text is written,
 * once). The defaults protect the server; docs/design/limits.md says why each is what it is.
 */
public final class SwitchboardConfig {
    private final Map<Option<?>, Object> values;

    private SwitchboardConfig(Builder b) {
        this.values = new IdentityHashMap<>(b.values);
        if (failureTimeout().compareTo(heartbeatInterval().multipliedBy(2)) < 0) {
            throw new IllegalArgumentException(NodeOptions.FAILURE_TIMEOUT.flag() + " ("
                    + Durations.format(failureTimeout()) + ") must be at least twice "
                    + NodeOptions.HEARTBEAT_INTERVAL.flag() + " ("
                    + Durations.format(heartbeatInterval()) + ")");
        }
        if (authModes().anyOn() && get(NodeOptions.AUTH_JWKS) == null && get(NodeOptions.AUTH_HMAC_SECRET_FILE) == null) {
            throw new IllegalArgumentException(NodeOptions.AUTH.flag() + " " + get(NodeOptions.AUTH) + " needs "
                    + NodeOptions.AUTH_JWKS.flag() + " or " + NodeOptions.AUTH_HMAC_SECRET_FILE.flag()
                    + ": the keys tokens are checked with");
        }
        if ((get(NodeOptions.TLS_CERT) == null) != (get(NodeOptions.TLS_KEY) == null)) {
            throw new IllegalArgumentException(NodeOptions.TLS_CERT.flag() + " and " + NodeOptions.TLS_KEY.flag()
                    + " go together: the certificate chain and its private key");
        }
        if (get(NodeOptions.TLS_CLIENT_CA) != null && get(NodeOptions.TLS_CERT) == null) {
            throw new IllegalArgumentException(NodeOptions.TLS_CLIENT_CA.flag() + " needs " + NodeOptions.TLS_CERT.flag()
                    + " and " + NodeOptions.TLS_KEY.flag() + ": client certificates are asked for over TLS only");
        }
        if (proxyProtocol() && get(NodeOptions.TRUSTED_PROXIES) == null) {
            throw new IllegalArgumentException(NodeOptions.PROXY_PROTOCOL.flag() + " needs "
                    + NodeOptions.TRUSTED_PROXIES.flag() + ": the load balancers whose PROXY headers are believed");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static SwitchboardConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        return b;
    }

    /** The value of an option: as set, or its default (null for an option without one, such as the node id). */
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        return values.containsKey(option) ? (T) values.get(option) : option.defaultValue();
    }

    /** Address to listen on. See {@link NodeOptions#HOST}. */
    public String host() {
        return get(NodeOptions.HOST);
    }

    /** Port for HTTP and every WebSocket dialect (0: any free one). See {@link NodeOptions#PORT}. */
    public int port() {
        return get(NodeOptions.PORT);
    }

    /** Port of /health, /ready and /metrics alone; -1: off, they are on {@link #port()}. See {@link NodeOptions#OPS_PORT}. */
    public int opsPort() {
        return get(NodeOptions.OPS_PORT);
    }

    /** Address the ops port listens on: as set, else {@link #host()}. See {@link NodeOptions#OPS_HOST}. */
    public String opsHost() {
        String set = get(NodeOptions.OPS_HOST);
        return set != null ? set : host();
    }

    /**
     * Network threads: as set, or for 0 one per two cores, at least one. Fewer, fuller event loops write more
     * messages per syscall, and leave cores to the JIT, the collector and the kernel's own network work: on two
     * cores one loop spent half the CPU per delivery of Netty's default of four (BENCHMARKS.md "Out of the box").
     * See {@link NodeOptions#IO_THREADS}.
     */
    public int ioThreads() {
        int set = get(NodeOptions.IO_THREADS);
        return set > 0 ? set : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The network transport. See {@link NodeOptions#TRANSPORT}. */
    public IoTransport ioTransport() {
        return get(NodeOptions.TRANSPORT);
    }

    /** Largest WebSocket message; larger closes with 1009. See {@link NodeOptions#MAX_MESSAGE_BYTES}. */
    public int maxFrameBytes() {
        return get(NodeOptions.MAX_MESSAGE_BYTES);
    }

    /** Deepest JSON nesting accepted. See {@link NodeOptions#MAX_JSON_DEPTH}. */
    public int maxJsonDepth() {
        return get(NodeOptions.MAX_JSON_DEPTH);
    }

    /** How many connections the WebSocket/HTTP port takes. See {@link NodeOptions#MAX_CONNECTIONS}. */
    public dev.switchboard.limits.ConnectionLimits connectionLimits() {
        int max = get(NodeOptions.MAX_CONNECTIONS);
        return new dev.switchboard.limits.ConnectionLimits(
                max == 0 ? dev.switchboard.limits.ConnectionLimits.fromDescriptorLimit() : max,
                get(NodeOptions.MAX_CONNECTIONS_PER_IP), get(NodeOptions.CONNECTION_RATE_PER_IP));
    }

    /** What all y-webrtc subscriptions together may take. See {@link NodeOptions#MAX_NODE_TOPIC_BYTES}. */
    public long nodeTopicBudgetBytes() {
        long set = get(NodeOptions.MAX_NODE_TOPIC_BYTES);
        return set != 0 ? set : Runtime.getRuntime().maxMemory() / 8;
    }

    /** What all connections together may make the node buffer. See {@link NodeOptions#MAX_BUFFERED_BYTES}. */
    public long bufferBudgetBytes() {
        long set = get(NodeOptions.MAX_BUFFERED_BYTES);
        return set != 0 ? set : Runtime.getRuntime().maxMemory() / 2;
    }

    /** What one WebSocket or gRPC stream may send. See {@link NodeOptions#MESSAGE_RATE}. */
    public dev.switchboard.limits.MessageBudget messageBudget() {
        return new dev.switchboard.limits.MessageBudget(get(NodeOptions.MESSAGE_RATE), get(NodeOptions.MESSAGE_BURST),
                get(NodeOptions.MESSAGE_BYTE_RATE), get(NodeOptions.THROTTLE_LIMIT), get(NodeOptions.HTTP_REQUEST_WEIGHT));
    }

    /** Bytes queued for one connection before it is dropped as a slow consumer. See {@link NodeOptions#MAX_OUTBOUND_BYTES}. */
    public int maxOutboundBytes() {
        return get(NodeOptions.MAX_OUTBOUND_BYTES);
    }

    /** WebSocket ping interval. See {@link NodeOptions#PING_INTERVAL}. */
    public Duration pingInterval() {
        return get(NodeOptions.PING_INTERVAL);
    }

    /** Proxies whose word on the client's address counts. See {@link NodeOptions#TRUSTED_PROXIES}. */
    public TrustedProxies trustedProxies() {
        return TrustedProxies.parse(get(NodeOptions.TRUSTED_PROXIES));
    }

    /** Whether connections start with a PROXY protocol header. See {@link NodeOptions#PROXY_PROTOCOL}. */
    public boolean proxyProtocol() {
        return get(NodeOptions.PROXY_PROTOCOL);
    }

    /** Which origins may open a WebSocket. See {@link NodeOptions#ALLOWED_ORIGINS}, {@link NodeOptions#REQUIRE_ORIGIN}. */
    public OriginPolicy originPolicy() {
        return OriginPolicy.parse(get(NodeOptions.ALLOWED_ORIGINS), get(NodeOptions.REQUIRE_ORIGIN));
    }

    /** Which dialects look at tokens. See {@link NodeOptions#AUTH}. */
    public AuthModes authModes() {
        return AuthModes.parse(get(NodeOptions.AUTH));
    }

    /** Whether permessage-deflate is allowed. See {@link NodeOptions#COMPRESSION}. */
    public boolean compression() {
        return get(NodeOptions.COMPRESSION);
    }

    /** Longest graceful shutdown. See {@link NodeOptions#DRAIN_TIMEOUT}. */
    public Duration drainTimeout() {
        return get(NodeOptions.DRAIN_TIMEOUT);
    }

    /** y-webrtc topics per connection. See {@link NodeOptions#MAX_TOPICS}. */
    public int maxTopicsPerConnection() {
        return get(NodeOptions.MAX_TOPICS);
    }

    /** Longest y-webrtc topic name. See {@link NodeOptions#MAX_TOPIC_LENGTH}. */
    public int maxTopicNameLength() {
        return get(NodeOptions.MAX_TOPIC_LENGTH);
    }

    /** This node's id in a cluster; null: generated at start. See {@link NodeOptions#NODE_ID}. */
    public String nodeId() {
        return get(NodeOptions.NODE_ID);
    }

    /** Port of the gRPC service; -1: off. See {@link NodeOptions#GRPC_PORT}. */
    public int grpcPort() {
        return get(NodeOptions.GRPC_PORT);
    }

    /** A gRPC stream silent this long is closed. See {@link NodeOptions#GRPC_IDLE_TIMEOUT}. */
    public Duration grpcIdleTimeout() {
        return get(NodeOptions.GRPC_IDLE_TIMEOUT);
    }

    /** Whether the gRPC server offers reflection. See {@link NodeOptions#GRPC_REFLECTION}. */
    public boolean grpcReflection() {
        return get(NodeOptions.GRPC_REFLECTION);
    }

    /** gRPC streams one connection may have open at once. See {@link NodeOptions#GRPC_MAX_STREAMS}. */
    /** gRPC streams the node holds at once. See {@link NodeOptions#GRPC_MAX_STREAMS_NODE}. */
    public int grpcMaxStreams() {
        int set = get(NodeOptions.GRPC_MAX_STREAMS_NODE);
        return set != 0 ? set : (int) Math.max(16, Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 16384));
    }

    public int grpcMaxStreamsPerConnection() {
        return get(NodeOptions.GRPC_MAX_STREAMS);
    }

    /** Named-peer messages per second per connection. See {@link NodeOptions#NAMED_PEER_RATE}. */
    public int namedPeerMaxFramesPerSecond() {
        return get(NodeOptions.NAMED_PEER_RATE);
    }

    /** Whether a Rendezvous register must sign the challenge. See {@link NodeOptions#RENDEZVOUS_REQUIRE_PROOF}. */
    public boolean rendezvousRequireProof() {
        return get(NodeOptions.RENDEZVOUS_REQUIRE_PROOF);
    }

    /** Largest Radix Connect message. See {@link NodeOptions#RADIX_MAX_MESSAGE_BYTES}. */
    public int radixMaxMessageBytes() {
        return get(NodeOptions.RADIX_MAX_MESSAGE_BYTES);
    }

    /** Radix Connect messages per second per socket before close 1013. See {@link NodeOptions#RADIX_RATE}. */
    public int radixMaxFramesPerSecond() {
        return get(NodeOptions.RADIX_RATE);
    }

    /** Redis to cluster through; null: a single node on the in-memory bus. See {@link NodeOptions#REDIS}. */
    public String redisUri() {
        return get(NodeOptions.REDIS);
    }

    /** Whether {@link #redisUri()} lists the seed nodes of a Redis Cluster. See {@link NodeOptions#REDIS_CLUSTER}. */
    public boolean redisCluster() {
        return get(NodeOptions.REDIS_CLUSTER);
    }

    /** Prefix of the cluster's Redis keys and channels. See {@link NodeOptions#CLUSTER_PREFIX}. */
    public String clusterPrefix() {
        return get(NodeOptions.CLUSTER_PREFIX);
    }

    /** How often a node tells the cluster it is alive. See {@link NodeOptions#HEARTBEAT_INTERVAL}. */
    public Duration heartbeatInterval() {
        return get(NodeOptions.HEARTBEAT_INTERVAL);
    }

    /** A node silent this long is dead and its members are removed. See {@link NodeOptions#FAILURE_TIMEOUT}. */
    public Duration failureTimeout() {
        return get(NodeOptions.FAILURE_TIMEOUT);
    }

    /** Validating builder; every setter refuses a value its option does not allow, naming the option. */
    public static final class Builder {
        private final Map<Option<?>, Object> values = new IdentityHashMap<>();

        private Builder() {
        }

        /**
         * Sets an option; null sets it back to its default.
         *
         * @throws OptionException when the option does not allow the value
         */
        public <T> Builder set(Option<T> option, T value) {
            if (value == null || (value instanceof String s && s.isBlank() && option.defaultValue() == null)) {
                values.remove(option); // the default; for an optional value (node id, Redis), none
                return this;
            }
            values.put(option, option.check(value));
            return this;
        }

        public Builder host(String value) {
            return set(NodeOptions.HOST, value);
        }

        public Builder port(int value) {
            return set(NodeOptions.PORT, value);
        }

        public Builder opsPort(int value) {
            return set(NodeOptions.OPS_PORT, value);
        }

        public Builder opsHost(String value) {
            return set(NodeOptions.OPS_HOST, value);
        }

        public Builder ioThreads(int value) {
            return set(NodeOptions.IO_THREADS, value);
        }

        public Builder ioTransport(IoTransport value) {
            return set(NodeOptions.TRANSPORT, value);
        }

        public Builder maxFrameBytes(int value) {
            return set(NodeOptions.MAX_MESSAGE_BYTES, value);
        }

        public Builder maxJsonDepth(int value) {
            return set(NodeOptions.MAX_JSON_DEPTH, value);
        }

        public Builder maxOutboundBytes(int value) {
            return set(NodeOptions.MAX_OUTBOUND_BYTES, value);
        }

        public Builder pingInterval(Duration value) {
            return set(NodeOptions.PING_INTERVAL, value);
        }

        public Builder trustedProxies(String value) {
            return set(NodeOptions.TRUSTED_PROXIES, value);
        }

        public Builder proxyProtocol(boolean value) {
            return set(NodeOptions.PROXY_PROTOCOL, value);
        }

        public Builder allowedOrigins(String value) {
            return set(NodeOptions.ALLOWED_ORIGINS, value);
        }

        public Builder requireOrigin(boolean value) {
            return set(NodeOptions.REQUIRE_ORIGIN, value);
        }

        public Builder auth(String value) {
            return set(NodeOptions.AUTH, value);
        }

        public Builder authJwks(String file) {
            return set(NodeOptions.AUTH_JWKS, file);
        }

        public Builder authHmacSecretFile(String file) {
            return set(NodeOptions.AUTH_HMAC_SECRET_FILE, file);
        }

        public Builder authIssuer(String value) {
            return set(NodeOptions.AUTH_ISSUER, value);
        }

        public Builder authAudience(String value) {
            return set(NodeOptions.AUTH_AUDIENCE, value);
        }

        public Builder authClockSkew(Duration value) {
            return set(NodeOptions.AUTH_CLOCK_SKEW, value);
        }

        public Builder authCloseOnExpiry(boolean value) {
            return set(NodeOptions.AUTH_CLOSE_ON_EXPIRY, value);
        }

        public Builder iceServers(String urls) {
            return set(NodeOptions.ICE_SERVERS, urls);
        }

        public Builder turnSecretFile(String file) {
            return set(NodeOptions.TURN_SECRET_FILE, file);
        }

        public Builder turnCredentialTtl(Duration value) {
            return set(NodeOptions.TURN_CREDENTIAL_TTL, value);
        }

        public Builder compression(boolean value) {
            return set(NodeOptions.COMPRESSION, value);
        }

        public Builder drainTimeout(Duration value) {
            return set(NodeOptions.DRAIN_TIMEOUT, value);
        }

        public Builder maxTopicsPerConnection(int value) {
            return set(NodeOptions.MAX_TOPICS, value);
        }

        public Builder maxTopicNameLength(int value) {
            return set(NodeOptions.MAX_TOPIC_LENGTH, value);
        }

        public Builder nodeId(String value) {
            return set(NodeOptions.NODE_ID, value);
        }

        public Builder grpcPort(int value) {
            return set(NodeOptions.GRPC_PORT, value);
        }

        public Builder grpcIdleTimeout(Duration value) {
            return set(NodeOptions.GRPC_IDLE_TIMEOUT, value);
        }

        public Builder grpcReflection(boolean value) {
            return set(NodeOptions.GRPC_REFLECTION, value);
        }

        /** TLS on every port with this certificate chain and key (PEM files); null, null: plaintext. */
        public Builder tls(String certFile, String keyFile) {
            return set(NodeOptions.TLS_CERT, certFile).set(NodeOptions.TLS_KEY, keyFile);
        }

        public Builder tlsClientCa(String file) {
            return set(NodeOptions.TLS_CLIENT_CA, file);
        }

        public Builder tlsProvider(dev.switchboard.tls.TlsProvider value) {
            return set(NodeOptions.TLS_PROVIDER, value);
        }

        public Builder redisTlsCa(String file) {
            return set(NodeOptions.REDIS_TLS_CA, file);
        }

        public Builder handshakeTimeout(Duration value) {
            return set(NodeOptions.HANDSHAKE_TIMEOUT, value);
        }

        public Builder negotiationTimeout(Duration value) {
            return set(NodeOptions.NEGOTIATION_TIMEOUT, value);
        }

        public Builder grpcMaxStreamsPerConnection(int value) {
            return set(NodeOptions.GRPC_MAX_STREAMS, value);
        }

        public Builder namedPeerMaxFramesPerSecond(int value) {
            return set(NodeOptions.NAMED_PEER_RATE, value);
        }

        public Builder rendezvousRequireProof(boolean value) {
            return set(NodeOptions.RENDEZVOUS_REQUIRE_PROOF, value);
        }

        public Builder radixMaxMessageBytes(int value) {
            return set(NodeOptions.RADIX_MAX_MESSAGE_BYTES, value);
        }

        public Builder radixMaxFramesPerSecond(int value) {
            return set(NodeOptions.RADIX_RATE, value);
        }

        public Builder redisUri(String value) {
            return set(NodeOptions.REDIS, value);
        }

        public Builder redisCluster(boolean value) {
            return set(NodeOptions.REDIS_CLUSTER, value);
        }

        public Builder clusterPrefix(String value) {
            return set(NodeOptions.CLUSTER_PREFIX, value);
        }

        public Builder heartbeatInterval(Duration value) {
            return set(NodeOptions.HEARTBEAT_INTERVAL, value);
        }

        public Builder failureTimeout(Duration value) {
            return set(NodeOptions.FAILURE_TIMEOUT, value);
        }

        public SwitchboardConfig build() {
            return new SwitchboardConfig(this);
        }
    }
}
