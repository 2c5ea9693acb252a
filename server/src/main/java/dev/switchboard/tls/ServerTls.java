package dev.switchboard.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for one of the node's own Netty listeners (the WebSocket/HTTP port, the ops port): TLS 1.2 and 1.3 only,
 * forward-secret AEAD ciphers only, on OpenSSL where it loads. Each new connection gets a handler from the context
 * of the certificate current at its accept; when {@link TlsFiles} reads a new one, the next connections use it,
 * and the open ones keep the engine (and certificate) they shook hands with.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /** TLS versions served; 1.0 and 1.1 are broken and browsers no longer speak them. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * Ciphers: TLS 1.3's three, then for TLS 1.2 the ECDHE AEAD suites (Mozilla's "intermediate" profile, as
     * every current browser and gRPC client speaks them).
     */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final SslProvider provider;
    private final X509Certificate[] clientCas;
    private volatile SslContext context;

    /**
     * TLS with the pair of {@code files}, reloaded with it; {@code clientCas} non-null requires a client
     * certificate issued by one of them.
     *
     * @throws SSLException when no context can be made of the pair
     * @throws IllegalStateException when {@code choice} is OpenSSL and it does not load here
     */
    public ServerTls(TlsFiles files, TlsProvider choice, X509Certificate[] clientCas) throws SSLException {
        this.provider = provider(choice);
        this.clientCas = clientCas;
        this.context = context(files.current());
        files.onChange(identity -> {
            try {
                context = context(identity);
            } catch (SSLException | RuntimeException e) {
                log.warn("TLS context not rebuilt, the previous certificate stays: {}", e.getMessage());
            }
        });
    }

    /** The provider {@code choice} comes to on this platform. */
    public static SslProvider provider(TlsProvider choice) {
        boolean openSsl = OpenSsl.isAvailable();
        return switch (choice) {
            case JDK -> SslProvider.JDK;
            case AUTO -> openSsl ? SslProvider.OPENSSL : SslProvider.JDK;
            case OPENSSL -> {
                if (!openSsl) {
                    throw new IllegalStateException("OpenSSL does not load here: " + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
        };
    }

    /** "openssl (BoringSSL 1.1.1 ...)" or "jdk": what serves, as the log and /health say it. */
    public String providerName() {
        return provider == SslProvider.JDK ? "jdk" : "openssl (" + OpenSsl.versionString() + ")";
    }

    /** Whether a client certificate is required. */
    public boolean verifiesClients() {
        return clientCas != null;
    }

    /** A handler for a new connection, with the current certificate. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return context.newHandler(alloc);
    }

    private SslContext context(TlsIdentity identity) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(identity.key(), identity.chain())
                .sslProvider(provider)
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
        if (clientCas != null) {
            builder.trustManager(clientCas).clientAuth(ClientAuth.REQUIRE);
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return providerName().toLowerCase(Locale.ROOT);
    }
}
