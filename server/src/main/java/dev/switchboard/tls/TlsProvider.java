package dev.switchboard.tls;

/** Which TLS implementation serves: OpenSSL (BoringSSL through netty-tcnative) or the JDK's. */
public enum TlsProvider {
    /** OpenSSL where it loads on this platform, else the JDK. */
    AUTO,
    /** OpenSSL, or the node does not start. */
    OPENSSL,
    /** The JDK's provider. */
    JDK
}
