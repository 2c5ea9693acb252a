package dev.switchboard.bench.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The generator's side of wss://: the server's certificate checked against the given CAs (or the JVM's trust
 * store) and its host name, as a browser checks them. Every connection gets a context of its own, so that no
 * session is resumed: each connection costs the server a full handshake, the case a handshake rate is about
 * (a fleet of browsers connecting for the first time, or after the server restarted).
 */
public final class ClientTls {
    private final TrustManagerFactory trust;

    /** @param caFile PEM CA certificates; null: the JVM's trust store */
    public ClientTls(Path caFile) {
        try {
            trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caFile == null) {
                trust.init((KeyStore) null);
                return;
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            try (InputStream in = Files.newInputStream(caFile)) {
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca" + i++, c);
                }
            }
            trust.init(store);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + caFile, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("no CA certificates in " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** A handler for a new connection to {@code host}:{@code port}, with a fresh session. */
    public SslHandler handler(ByteBufAllocator alloc, String host, int port) {
        try {
            // Netty 4.2 checks the host name by default (endpoint identification HTTPS)
            return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(trust)
                    .protocols("TLSv1.3", "TLSv1.2").build().newHandler(alloc, host, port);
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same trust for the JDK's HTTP client (the server's https:// /metrics). */
    public SSLContext sslContext() {
        try {
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, trust.getTrustManagers(), null);
            return ssl;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
