package dev.switchboard.config;

import dev.switchboard.auth.AuthModes;
import dev.switchboard.ice.IceServers;
import dev.switchboard.tls.TlsProvider;
import dev.switchboard.transport.IoTransport;
import dev.switchboard.transport.OriginPolicy;
import dev.switchboard.transport.TrustedProxies;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Every option of a node ({@link dev.switchboard.SwitchboardConfig}), each defined once. The order is the order
 * of {@code --help} and of the README's configuration table.
 */
public final class NodeOptions {
    private NodeOptions() {
    }

    private static final int MAX_BYTES = 64 * 1024 * 1024;

    public static final Option<String> HOST = Option.text("host", "0.0.0.0", null, "address to listen on");
    public static final Option<Integer> PORT = Option.integer("port", 8080, 0, 65535,
            "port for HTTP and every WebSocket dialect").alias("-p").env("PORT");
    public static final Option<Integer> OPS_PORT = Option.integer("ops-port", -1, -1, 65535,
            "a port of its own for /health, /ready and /metrics; with it, --port no longer serves /metrics; "
                    + "-1 turns it off");
    public static final Option<String> OPS_HOST = Option.text("ops-host", null, "same as --host",
            "address --ops-port listens on (an internal one keeps /metrics off the internet)");
    public static final Option<String> NODE_ID = Option.text("node-id", null, "generated",
            "this node's id in a cluster").allowing("1 to 64 of A-Z a-z 0-9 _ . -",
            v -> v.matches("[A-Za-z0-9_.-]{1,64}"));
    public static final Option<Integer> GRPC_PORT = Option.integer("grpc-port", 50051, -1, 65535,
            "port of the gRPC client/worker service; -1 turns it off");
    public static final Option<Duration> GRPC_IDLE_TIMEOUT = Option.duration("grpc-idle-timeout",
            Duration.ofSeconds(60), Duration.ofMillis(1), "a gRPC stream silent this long is closed");
    public static final Option<Boolean> GRPC_REFLECTION = Option.bool("grpc-reflection", true,
            "gRPC server reflection: tools such as grpcurl list and call the services without the .proto; it "
                    + "reveals only the public contract");
    public static final Option<Integer> GRPC_MAX_STREAMS = Option.integer("grpc-max-streams-per-connection", 1000, 1,
            1_000_000, "gRPC streams one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); "
                    + "a client's further streams wait");
    public static final Option<Integer> GRPC_MAX_STREAMS_NODE = Option.integer("grpc-max-streams", 0, 0,
            Integer.MAX_VALUE, "gRPC streams the node holds open at once, all connections together; more end at once "
                    + "with RESOURCE_EXHAUSTED; 0 is one per 16 KiB of the JVM's heap limit");
    public static final Option<Integer> GRPC_MAX_WORKERS_PER_CONNECTION = Option.integer(
            "grpc-max-workers-per-connection", 100, 1, 1_000_000,
            "gRPC workers one connection may register; more end with RESOURCE_EXHAUSTED");
    public static final Option<String> TLS_CERT = Option.text("tls-cert", null, "none",
            "PEM certificate chain (the node's own first) for TLS on --port, --grpc-port and --ops-port: wss://, "
                    + "https://, gRPC over TLS; read again when it changes, new handshakes use the new one")
            .allowing("a readable file", NodeOptions::readable);
    public static final Option<String> TLS_KEY = Option.text("tls-key", null, "none",
            "PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted); read again when it changes")
            .allowing("a readable file", NodeOptions::readable);
    public static final Option<String> TLS_CLIENT_CA = Option.text("tls-client-ca", null, "none",
            "PEM CA certificates: the ops port and gRPC then require a client certificate issued by one of them "
                    + "(service-to-service mutual TLS); the WebSocket port never asks browsers for one")
            .allowing("a readable file", NodeOptions::readable);
    public static final Option<TlsProvider> TLS_PROVIDER = Option.oneOf("tls-provider", TlsProvider.class,
            TlsProvider.AUTO, "TLS implementation; auto is OpenSSL (BoringSSL) where it loads, else the JDK's");
    public static final Option<Duration> HANDSHAKE_TIMEOUT = Option.duration("handshake-timeout", Duration.ofSeconds(10),
            Duration.ofMillis(1), "time a connection has, from its accept or its previous answer, to send a whole "
                    + "HTTP request (an upgrade included); slower senders are closed");
    public static final Option<Integer> MAX_CONNECTIONS = Option.integer("max-connections", 0, 0, Integer.MAX_VALUE,
            "TCP connections the WebSocket/HTTP port holds at once; more get HTTP 503 at accept; 0 is the process's "
                    + "descriptor limit less a tenth of it (at most 1000 kept back)");
    public static final Option<Integer> MAX_CONNECTIONS_PER_IP = Option.integer("max-connections-per-ip", 0, 0,
            Integer.MAX_VALUE, "WebSockets open at once from one client address (IPv6: one /64); more get HTTP 429; "
                    + "0 is no limit");
    public static final Option<Integer> CONNECTION_RATE_PER_IP = Option.integer("connection-rate-per-ip", 0, 0,
            1_000_000, "new WebSockets per second from one client address, with a burst of ten seconds' worth; "
                    + "more get HTTP 429; 0 is no limit");
    public static final Option<Integer> MESSAGE_RATE = Option.integer("message-rate", 200, 0, 10_000_000,
            "messages (and control frames) per second one WebSocket or gRPC stream may keep up; a faster sender is "
                    + "throttled; 0 is no budget");
    public static final Option<Integer> MESSAGE_BURST = Option.integer("message-burst", 2000, 1, 100_000_000,
            "messages one WebSocket or gRPC stream may send at once after a quiet spell");
    public static final Option<Integer> MESSAGE_BYTE_RATE = Option.integer("message-byte-rate", 512 * 1024, 0,
            Integer.MAX_VALUE, "bytes per second one WebSocket or gRPC stream may keep up (within the same budget, "
                    + "--message-burst / --message-rate seconds long); 0 counts messages only");
    public static final Option<Integer> HTTP_REQUEST_WEIGHT = Option.integer("http-request-weight", 16, 1, 1_000_000,
            "messages of a connection's budget one plain HTTP request on the public port costs: a keep-alive client "
                    + "may ask --message-burst / this many at once, then --message-rate / this many a second");
    public static final Option<Duration> THROTTLE_LIMIT = Option.duration("throttle-limit", Duration.ofSeconds(10),
            Duration.ZERO, "how long a sender may stay over its message budget (throttled) before it is closed "
                    + "(WebSocket 1008, gRPC RESOURCE_EXHAUSTED)");
    public static final Option<Duration> NEGOTIATION_TIMEOUT = Option.duration("negotiation-timeout",
            Duration.ofSeconds(30), Duration.ofMillis(1), "an SDP offer with no answer within this time counts as "
                    + "an abandoned negotiation (docs/design/telemetry.md)");
    public static final Option<Integer> IO_THREADS = Option.integer("io-threads", 0, 0, 1024,
            "network threads (event loops); 0 is one per two cores, at least one").defaultText("0");
    public static final Option<IoTransport> TRANSPORT = Option.oneOf("transport", IoTransport.class, IoTransport.AUTO,
            "network transport; auto is epoll on Linux, else nio; a native one the platform lacks fails the start");
    public static final Option<Integer> MAX_MESSAGE_BYTES = Option.integer("max-message-bytes", 64 * 1024, 125,
            MAX_BYTES, "largest WebSocket message; larger closes with 1009");
    public static final Option<Long> MAX_BUFFERED_BYTES = Option.bytes("max-buffered-bytes", 0L, 0L, Long.MAX_VALUE,
            "bytes all connections together may make the node hold (queued for readers, half-received messages); "
                    + "past it the heaviest are dropped first; 0 is half the JVM's heap limit");
    public static final Option<Integer> MAX_JSON_DEPTH = Option.integer("max-json-depth", 32, 2, 1000,
            "deepest JSON nesting accepted");
    public static final Option<Integer> MAX_OUTBOUND_BYTES = Option.integer("max-outbound-bytes", 1024 * 1024, 4096,
            Integer.MAX_VALUE, "bytes queued for one connection (or gRPC stream) before it is dropped as a slow consumer");
    public static final Option<Integer> MAX_UNREAD_NOTICES = Option.integer("max-unread-notices", 256, 0, 1_000_000,
            "membership notices (named-peer logins, Rendezvous joins and leaves) a WebSocket may be sent before its "
                    + "client answers a ping sent after them; past it the connection is dropped; 0 is no limit");
    public static final Option<Duration> PING_INTERVAL = Option.duration("ping-interval", Duration.ofSeconds(30),
            Duration.ofMillis(1), "WebSocket ping interval (and gRPC's HTTP/2 keepalive); silent for a whole interval after a ping = closed (gRPC: pings at least 10 s apart, 10 s or the interval to answer)");
    public static final Option<Duration> DRAIN_TIMEOUT = Option.duration("drain-timeout", Duration.ofSeconds(10),
            Duration.ZERO, "longest graceful shutdown");
    public static final Option<Boolean> COMPRESSION = Option.bool("compression", false,
            "allow permessage-deflate (costs ~100 KiB per connection)");
    public static final Option<Integer> MAX_TOPICS = Option.integer("max-topics", 1024, 1, 1_000_000,
            "y-webrtc topics per connection");
    public static final Option<Integer> MAX_TOPIC_LENGTH = Option.integer("max-topic-length", 1024, 1, 1_000_000,
            "longest y-webrtc topic name");
    public static final Option<Integer> MAX_TOPIC_BYTES = Option.integer("max-topic-bytes", 16 * 1024, 1, 1_000_000_000,
            "characters of all one y-webrtc connection's topic names together; further topics skipped");
    public static final Option<Long> MAX_NODE_TOPIC_BYTES = Option.bytes("max-node-topic-bytes", 0L, 0L, Long.MAX_VALUE,
            "what all y-webrtc subscriptions of the node may take together, each its name and 128 bytes; further "
                    + "topics skipped; 0 is an eighth of the JVM's heap limit");
    public static final Option<Integer> NAMED_PEER_RATE = Option.integer("named-peer-rate", 50, 1, 1_000_000,
            "named-peer messages per second per connection before rate_limit_exceeded");
    public static final Option<Boolean> RENDEZVOUS_REQUIRE_PROOF = Option.bool("rendezvous-require-proof", false,
            "Rendezvous: register must sign the challenge");
    public static final Option<Integer> RADIX_MAX_MESSAGE_BYTES = Option.integer("radix-max-message-bytes", 16 * 1024,
            125, MAX_BYTES, "largest Radix Connect message");
    public static final Option<Integer> RADIX_RATE = Option.integer("radix-rate", 100, 1, 1_000_000,
            "Radix Connect messages per second per socket before close 1013");
    public static final Option<String> PEERJS_PATH = Option.text("peerjs-path", "/", null,
            "PeerJS: where its server is mounted (WebSocket at this path + peerjs, HTTP under it)")
            .allowing("a path starting with /", v -> v.startsWith("/") && !v.contains("?") && !v.contains("#"));
    public static final Option<String> PEERJS_KEY = Option.text("peerjs-key", "peerjs", null,
            "PeerJS: the key clients must connect with");
    public static final Option<Duration> PEERJS_ALIVE_TIMEOUT = Option.duration("peerjs-alive-timeout",
            Duration.ofSeconds(60), Duration.ofSeconds(1), "PeerJS: close a client after this long without a HEARTBEAT");
    public static final Option<Duration> PEERJS_EXPIRE_TIMEOUT = Option.duration("peerjs-expire-timeout",
            Duration.ofSeconds(5), Duration.ofMillis(100),
            "PeerJS: how long messages for an id not connected wait before the senders get EXPIRE");
    public static final Option<Boolean> PEERJS_ALLOW_DISCOVERY = Option.bool("peerjs-allow-discovery", false,
            "PeerJS: GET .../KEY/peers lists every connected id (else 401)");
    public static final Option<Integer> PEERJS_CONCURRENT_LIMIT = Option.integer("peerjs-concurrent-limit", 5000, 1,
            10_000_000, "PeerJS clients per node before ERROR (concurrent user limit)");
    public static final Option<Integer> PEERJS_QUEUE_LIMIT = Option.integer("peerjs-queue-limit", 256, 0, 1_000_000,
            "PeerJS: messages a node holds for one id not connected yet; more are dropped");
    public static final Option<Duration> RESUME_WINDOW = Option.duration("resume-window", Duration.ofSeconds(30),
            Duration.ZERO, "how long a peer whose connection dropped keeps its identity, and what is sent to it is kept "
                    + "(0: off, it leaves at once)");
    public static final Option<Integer> RESUME_MAX_MESSAGES = Option.integer("resume-max-messages", 256, 0, 1_000_000,
            "messages kept for one peer whose connection dropped; more are dropped");
    public static final Option<Long> RESUME_MAX_BYTES = Option.bytes("resume-max-bytes", 256L * 1024, 0L,
            1L << 30, "bytes of messages kept for one peer whose connection dropped; more are dropped");
    public static final Option<String> REDIS = Option.text("redis", null, "none",
            "Redis to cluster through (with --redis-cluster: the seed nodes of a Redis Cluster)")
            .allowing("redis:// or rediss:// URIs, comma-separated", NodeOptions::redisUris);
    public static final Option<String> REDIS_TLS_CA = Option.text("redis-tls-ca", null, "the JVM's trust store",
            "PEM CA certificates a rediss:// server's certificate is checked against")
            .allowing("a readable file", NodeOptions::readable);
    public static final Option<Boolean> REDIS_CLUSTER = Option.bool("redis-cluster", false,
            "--redis lists the seed nodes of a Redis Cluster; rooms use sharded pub/sub");
    public static final Option<Duration> REDIS_TIMEOUT = Option.duration("redis-timeout", Duration.ofSeconds(2),
            Duration.ofMillis(1), "how long a Redis command may take; past it the step fails (a name claim is "
                    + "answered unavailable) and the node keeps serving its own peers; publishes wait up to "
                    + "--failure-timeout and subscriptions as long as their connection lives, so none is dropped "
                    + "unsent from the middle of a stream");
    public static final Option<String> CLUSTER_PREFIX = Option.text("cluster-prefix", "switchboard", null,
            "prefix of the cluster's Redis keys and channels").allowing("text without { or }",
            v -> !v.isEmpty() && !v.contains("{") && !v.contains("}"));
    public static final Option<Duration> HEARTBEAT_INTERVAL = Option.duration("heartbeat-interval",
            Duration.ofSeconds(1), Duration.ofMillis(1), "how often a node tells the cluster it is alive");
    public static final Option<Duration> FAILURE_TIMEOUT = Option.duration("failure-timeout", Duration.ofSeconds(5),
            Duration.ofMillis(1), "a node silent this long is dead and its peers are removed (at least twice "
                    + "--heartbeat-interval)");

    public static final Option<String> TRUSTED_PROXIES = Option.text("trusted-proxies", null, "none",
            "proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For, or PROXY header with "
                    + "--proxy-protocol, names the client")
            .allowing("IP addresses or CIDRs, comma-separated", v -> parses(TrustedProxies::parse, v));
    public static final Option<Boolean> PROXY_PROTOCOL = Option.bool("proxy-protocol", false,
            "every connection starts with a HAProxy PROXY protocol v1 or v2 header, as AWS NLB and HAProxy send it; "
                    + "believed from --trusted-proxies only");
    public static final Option<String> ALLOWED_ORIGINS = Option.text("allowed-origins", null, "any",
            "origins a browser's WebSocket may come from, comma-separated: exact (https://app.example.com) or "
                    + "with a wildcard host (https://*.example.com); others get HTTP 403")
            .allowing("origins such as https://app.example.com or https://*.example.com, comma-separated",
                    v -> parses(o -> OriginPolicy.parse(o, false), v));
    public static final Option<Boolean> REQUIRE_ORIGIN = Option.bool("require-origin", false,
            "refuse WebSocket upgrades without an Origin header (HTTP 403); native clients send none");

    public static final Option<String> AUTH = Option.text("auth", "off", null,
            "who must present a token: off, optional or required for every dialect, then exceptions such as "
                    + "radix=off or grpc=required, comma-separated")
            .allowing("off, optional or required, then dialect=mode for y-webrtc, named-peer, rendezvous, radix, peerjs, grpc",
                    v -> parses(AuthModes::parse, v));
    public static final Option<String> AUTH_JWKS = Option.text("auth-jwks", null, "none",
            "JWK set file (JSON) of the keys tokens are signed with (RS256, ES256, ES384, EdDSA); read again when "
                    + "it changes");
    public static final Option<String> AUTH_HMAC_SECRET_FILE = Option.text("auth-hmac-secret-file", null, "none",
            "file holding the shared secret of HS256/384/512 tokens (at least 32 bytes); read again when it changes");
    public static final Option<String> AUTH_ISSUER = Option.text("auth-issuer", null, "any",
            "the iss a token must carry");
    public static final Option<String> AUTH_AUDIENCE = Option.text("auth-audience", null, "any",
            "an aud a token must carry");
    public static final Option<Duration> AUTH_CLOCK_SKEW = Option.duration("auth-clock-skew", Duration.ofSeconds(30),
            Duration.ZERO, "leeway for exp and nbf between the token issuer's clock and the node's");
    public static final Option<Boolean> AUTH_CLOSE_ON_EXPIRY = Option.bool("auth-close-on-expiry", true,
            "close a connection when its token expires (WebSocket 1008 token expired, gRPC UNAUTHENTICATED)");

    public static final Option<String> ICE_SERVERS = Option.text("ice-servers", null, "none",
            "STUN and TURN servers handed to clients at GET /ice-servers, comma-separated stun:, stuns:, turn:, turns: "
                    + "URLs").allowing("stun:, stuns:, turn: or turns: URLs, comma-separated",
                    v -> parses(u -> IceServers.of(u, null, Duration.ZERO), v));
    public static final Option<String> TURN_SECRET_FILE = Option.text("turn-secret-file", null, "none",
            "file holding the TURN server's static-auth-secret (coturn use-auth-secret): turn: URLs get credentials "
                    + "that expire");
    public static final Option<Duration> TURN_CREDENTIAL_TTL = Option.duration("turn-credential-ttl",
            Duration.ofHours(1), Duration.ofSeconds(1), "how long handed-out TURN credentials stay valid");

    /** Every node option, in documentation order. */
    public static final List<Option<?>> ALL = List.of(HOST, PORT, OPS_PORT, OPS_HOST, NODE_ID, GRPC_PORT,
            GRPC_IDLE_TIMEOUT, GRPC_REFLECTION, GRPC_MAX_STREAMS, GRPC_MAX_STREAMS_NODE,
            GRPC_MAX_WORKERS_PER_CONNECTION, TLS_CERT, TLS_KEY, TLS_CLIENT_CA, TLS_PROVIDER,
            HANDSHAKE_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, CONNECTION_RATE_PER_IP, MESSAGE_RATE,
            MESSAGE_BURST, MESSAGE_BYTE_RATE, HTTP_REQUEST_WEIGHT, THROTTLE_LIMIT, NEGOTIATION_TIMEOUT, IO_THREADS, TRANSPORT,
            TRUSTED_PROXIES, PROXY_PROTOCOL, ALLOWED_ORIGINS,
            REQUIRE_ORIGIN, AUTH, AUTH_JWKS, AUTH_HMAC_SECRET_FILE, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_CLOCK_SKEW,
            AUTH_CLOSE_ON_EXPIRY, ICE_SERVERS, TURN_SECRET_FILE, TURN_CREDENTIAL_TTL, MAX_MESSAGE_BYTES, MAX_JSON_DEPTH, MAX_OUTBOUND_BYTES, MAX_BUFFERED_BYTES,
            MAX_UNREAD_NOTICES, PING_INTERVAL, DRAIN_TIMEOUT,
            COMPRESSION,
            MAX_TOPICS, MAX_TOPIC_LENGTH, MAX_TOPIC_BYTES, MAX_NODE_TOPIC_BYTES, NAMED_PEER_RATE, RENDEZVOUS_REQUIRE_PROOF,
            RADIX_MAX_MESSAGE_BYTES, RADIX_RATE, PEERJS_PATH, PEERJS_KEY, PEERJS_ALIVE_TIMEOUT, PEERJS_EXPIRE_TIMEOUT,
            PEERJS_ALLOW_DISCOVERY, PEERJS_CONCURRENT_LIMIT, PEERJS_QUEUE_LIMIT,
            RESUME_WINDOW, RESUME_MAX_MESSAGES, RESUME_MAX_BYTES,
            REDIS, REDIS_TLS_CA, REDIS_CLUSTER, REDIS_TIMEOUT, CLUSTER_PREFIX, HEARTBEAT_INTERVAL, FAILURE_TIMEOUT);

    /** Whether a parser that refuses with IllegalArgumentException takes the value. */
    private static boolean parses(java.util.function.Function<String, ?> parser, String value) {
        try {
            parser.apply(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean readable(String file) {
        try {
            return Files.isRegularFile(Path.of(file)) && Files.isReadable(Path.of(file));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static boolean redisUris(String value) {
        for (String one : value.split(",")) {
            String uri = one.trim();
            if (!uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
                return false;
            }
        }
        return true;
    }
}
