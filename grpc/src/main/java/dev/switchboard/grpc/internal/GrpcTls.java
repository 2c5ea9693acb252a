package dev.switchboard.grpc.internal;

import dev.switchboard.tls.ServerTls;
import dev.switchboard.tls.TlsFiles;
import dev.switchboard.tls.TlsProvider;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.util.AdvancedTlsX509KeyManager;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * TLS for the gRPC port, on gRPC's own (shaded) Netty: ALPN h2, TLS 1.2 and 1.3, gRPC's HTTP/2 cipher list
 * (ECDHE AEAD only), OpenSSL where gRPC's bundled BoringSSL loads. The certificate is the node's: a key manager
 * that {@link TlsFiles} updates, so each new handshake presents the certificate current then and open
 * connections keep theirs.
 */
public final class GrpcTls {
    private final SslContext context;
    private final String providerName;

    /**
     * @param clientCas non-null: a client certificate issued by one of them is required
     * @throws IllegalStateException when {@code choice} is OpenSSL and it does not load here
     */
    public GrpcTls(TlsFiles files, TlsProvider choice, X509Certificate[] clientCas) throws SSLException {
        AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
        keys.updateIdentityCredentials(files.current().chain(), files.current().key());
        files.onChange(identity -> keys.updateIdentityCredentials(identity.chain(), identity.key()));
        SslProvider provider = switch (choice) {
            case JDK -> SslProvider.JDK;
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("OpenSSL does not load here: " + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
        };
        SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(keys), provider)
                .protocols(ServerTls.PROTOCOLS);
        if (clientCas != null) {
            builder.trustManager(clientCas).clientAuth(ClientAuth.REQUIRE);
        }
        this.context = builder.build();
        this.providerName = provider == SslProvider.JDK ? "jdk" : "openssl (" + OpenSsl.versionString() + ")";
    }

    public SslContext context() {
        return context;
    }

    /** "openssl (BoringSSL)" or "jdk", for the log. */
    public String providerName() {
        return providerName;
    }
}
