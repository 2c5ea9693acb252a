package dev.switchboard;

import dev.switchboard.config.NodeOptions;
import dev.switchboard.tls.ServerTls;
import dev.switchboard.tls.TlsFiles;
import dev.switchboard.tls.TlsIdentity;
import dev.switchboard.tls.TlsProvider;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of a node's own listeners, made from its options: the watched certificate files, the WebSocket port's
 * context (no client certificates: browsers have none) and the ops port's (client certificates required with
 * {@code --tls-client-ca}). Each refusal names its option.
 */
final class NodeTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeTls.class);

    final TlsFiles files;
    final ServerTls publicPort;
    final ServerTls opsPort;

    private NodeTls(TlsFiles files, ServerTls publicPort, ServerTls opsPort) {
        this.files = files;
        this.publicPort = publicPort;
        this.opsPort = opsPort;
    }

    /** The node's TLS, or null when it has no certificate (plaintext). */
    static NodeTls open(SwitchboardConfig config) {
        String cert = config.get(NodeOptions.TLS_CERT);
        if (cert == null) {
            return null;
        }
        String key = config.get(NodeOptions.TLS_KEY);
        String clientCa = config.get(NodeOptions.TLS_CLIENT_CA);
        X509Certificate[] clientCas = null;
        if (clientCa != null) {
            try {
                clientCas = TlsIdentity.certificates(Path.of(clientCa));
            } catch (TlsIdentity.Unusable e) {
                throw new NodeStartException(NodeOptions.TLS_CLIENT_CA, clientCa, e.getMessage(), e);
            }
        }
        TlsFiles files;
        try {
            files = new TlsFiles(Path.of(cert), Path.of(key));
        } catch (TlsIdentity.Unusable e) {
            boolean keyFault = e.file().equals(Path.of(key));
            throw new NodeStartException(keyFault ? NodeOptions.TLS_KEY : NodeOptions.TLS_CERT, keyFault ? key : cert,
                    e.getMessage(), e);
        }
        TlsProvider provider = config.get(NodeOptions.TLS_PROVIDER);
        try {
            NodeTls tls = new NodeTls(files, new ServerTls(files, provider, null),
                    new ServerTls(files, provider, clientCas));
            log.info("TLS with {} on every port: {}{}", tls.publicPort.providerName(), files.current(),
                    clientCas == null ? "" : "; client certificates required on the ops and gRPC ports");
            return tls;
        } catch (IllegalStateException e) {
            files.close();
            throw new NodeStartException(NodeOptions.TLS_PROVIDER, provider.name().toLowerCase(java.util.Locale.ROOT),
                    e.getMessage(), e);
        } catch (SSLException e) {
            files.close();
            throw new NodeStartException(NodeOptions.TLS_CERT, cert, "cannot serve this certificate: "
                    + NodeStartException.reason(e), e);
        }
    }

    /** What /health says of it. */
    Map<String, Object> status() {
        TlsIdentity current = files.current();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("enabled", true);
        s.put("provider", publicPort.providerName());
        s.put("certificate", current.subject());
        s.put("notAfter", current.notAfter().toString());
        s.put("clientCertificates", opsPort.verifiesClients() ? "required on ops and gRPC" : "not asked");
        return s;
    }

    @Override
    public void close() {
        files.close();
    }
}
