package dev.switchboard.cluster;

import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** How a node joins a Redis-backed cluster. Immutable; built and validated by {@link #builder(String)}. */
public final class RedisBusOptions {
    private final String uri;
    private final String nodeId;
    private final String keyPrefix;
    private final Duration heartbeatInterval;
    private final Duration failureTimeout;
    private final Duration commandTimeout;
    private final boolean cluster;
    private final Path tlsCa;
    private final Duration resumeWindow;
    private final EventLoopGroup epollLoops;

    private RedisBusOptions(Builder b) {
        this.epollLoops = b.epollLoops;
        this.resumeWindow = b.resumeWindow;
        this.tlsCa = b.tlsCa;
        this.cluster = b.cluster;
        this.uri = b.uri;
        this.nodeId = b.nodeId;
        this.keyPrefix = b.keyPrefix;
        this.heartbeatInterval = b.heartbeatInterval;
        this.failureTimeout = b.failureTimeout;
        this.commandTimeout = b.commandTimeout;
    }

    /** @param uri e.g. {@code redis://127.0.0.1:6379} (Lettuce URI syntax: password, database, TLS with rediss://) */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    public String uri() {
        return uri;
    }

    /** This node's id; unique in the cluster. */
    public String nodeId() {
        return nodeId;
    }

    /** Prefix of every key and channel, so several clusters can share one Redis. Default {@code switchboard}. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** How often a node proves it is alive (and looks for dead ones). Default 1 s. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** A node silent this long is dead: its members are removed. Default 5 s (detection within ~6 s). */
    public Duration failureTimeout() {
        return failureTimeout;
    }

    /** Longest wait for one Redis command before it fails. Default 2 s. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** PEM CA certificates a rediss:// server's certificate is checked against; null: the JVM's trust store. */
    public Path tlsCa() {
        return tlsCa;
    }

    /**
     * How long a dead node's resumable members stay registered for their resume (docs/design/resume.md); zero:
     * removed at once. Default 30 s.
     */
    public Duration resumeWindow() {
        return resumeWindow;
    }

    /** Whether the URI names a Redis Cluster (comma-separated seed nodes; sharded pub/sub). Default false. */
    public boolean cluster() {
        return cluster;
    }

    /**
     * The node's own event loops (epoll), one of which carries the bus's connections over one Redis, or null:
     * Lettuce runs its own threads. On the node's loop a message from another node is read and written to the
     * clients on one thread, and a publish made there is written there: no hand-off between threads either way.
     */
    public EventLoopGroup epollLoops() {
        return epollLoops;
    }

    public static final class Builder {
        private EventLoopGroup epollLoops;
        private boolean cluster;
        private final String uri;
        private String nodeId;
        private String keyPrefix = "switchboard";
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration failureTimeout = Duration.ofSeconds(5);
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Path tlsCa;
        private Duration resumeWindow = Duration.ofSeconds(30);

        private Builder(String uri) {
            Objects.requireNonNull(uri, "uri");
            for (String one : uri.split(",")) {
                if (!one.trim().startsWith("redis://") && !one.trim().startsWith("rediss://")) {
                    throw new IllegalArgumentException("Redis URI must start with redis:// or rediss://: " + one);
                }
            }
            this.uri = uri;
        }

        public Builder nodeId(String nodeId) {
            if (nodeId == null || !nodeId.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("nodeId must be 1-64 of [A-Za-z0-9_.-]: " + nodeId);
            }
            this.nodeId = nodeId;
            return this;
        }

        /** The URI lists the seed nodes of a Redis Cluster (comma-separated). */
        public Builder cluster(boolean cluster) {
            this.cluster = cluster;
            return this;
        }

        public Builder keyPrefix(String prefix) {
            if (prefix == null || prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
                throw new IllegalArgumentException("keyPrefix must be non-empty without braces: " + prefix);
            }
            this.keyPrefix = prefix;
            return this;
        }

        public Builder heartbeatInterval(Duration d) {
            this.heartbeatInterval = positive("heartbeatInterval", d);
            return this;
        }

        public Builder failureTimeout(Duration d) {
            this.failureTimeout = positive("failureTimeout", d);
            return this;
        }

        public Builder commandTimeout(Duration d) {
            this.commandTimeout = positive("commandTimeout", d);
            return this;
        }

        /** Trust these CAs (a PEM file) for rediss://, instead of the JVM's trust store; null: the JVM's. */
        public Builder tlsCa(Path file) {
            this.tlsCa = file;
            return this;
        }

        /** See {@link RedisBusOptions#resumeWindow()}; zero turns it off. */
        public Builder resumeWindow(Duration d) {
            Objects.requireNonNull(d, "resumeWindow");
            if (d.isNegative()) {
                throw new IllegalArgumentException("resumeWindow must not be negative: " + d);
            }
            this.resumeWindow = d;
            return this;
        }

        /** See {@link RedisBusOptions#epollLoops()}; loops of Netty's epoll transport, or null. */
        public Builder epollLoops(EventLoopGroup loops) {
            this.epollLoops = loops;
            return this;
        }

        public RedisBusOptions build() {
            if (nodeId == null) {
                throw new IllegalArgumentException("nodeId is required");
            }
            if (failureTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("failureTimeout (" + failureTimeout
                        + ") must be at least twice the heartbeatInterval (" + heartbeatInterval + ")");
            }
            return new RedisBusOptions(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
