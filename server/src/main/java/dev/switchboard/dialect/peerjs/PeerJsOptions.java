package dev.switchboard.dialect.peerjs;

import java.time.Duration;

/**
 * The PeerJS server's settings, named as upstream names them (docs/protocols/peerjs.md#options).
 *
 * @param path            where the server is mounted: WebSocket at {@code <path>peerjs}, HTTP at {@code <path>}
 * @param key             the key clients must connect with
 * @param aliveTimeout    a client without a HEARTBEAT for this long is closed
 * @param expireTimeout   messages for an id not connected wait this long before their senders get EXPIRE
 * @param allowDiscovery  whether {@code GET <path><key>/peers} lists the connected ids
 * @param concurrentLimit clients per node before the limit ERROR
 * @param queueLimit      messages a node holds for one id not connected yet
 */
public record PeerJsOptions(String path, String key, Duration aliveTimeout, Duration expireTimeout,
                            boolean allowDiscovery, int concurrentLimit, int queueLimit) {
    public PeerJsOptions {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with /: " + path);
        }
    }

    /** Upstream's defaults, with the command line's alive timeout (60 s). */
    public static PeerJsOptions defaults() {
        return new PeerJsOptions("/", "peerjs", Duration.ofSeconds(60), Duration.ofSeconds(5), false, 5000, 256);
    }

    /** The WebSocket path: the mount path, a slash if it lacks one, then {@code peerjs}, as upstream builds it. */
    public String webSocketPath() {
        return path + (path.endsWith("/") ? "" : "/") + "peerjs";
    }
}
