package dev.switchboard.testkit;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of a test's own (BouncyCastle's certificate builder on JDK keys, ECDSA P-256), and the
 * server and client certificates it issues, written as PEM files the way certbot writes them: the chain, leaf
 * first, in one file, the key as PKCS#8 in another. Servers are issued for {@code localhost} and 127.0.0.1.
 */
public final class TestCa {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final KeyPair keys;
    private final X509Certificate cert;
    private final Path certFile;

    private TestCa(Path dir, String name) {
        this.dir = dir;
        this.keys = ecKeys();
        X500Name subject = new X500Name("CN=" + name);
        this.cert = sign(subject, subject, keys, keys, true, null);
        this.certFile = write(dir.resolve(name + "-ca.crt"), cert);
    }

    /** A new CA whose certificate is written to {@code dir}. */
    public static TestCa create(Path dir, String name) {
        return new TestCa(dir, name);
    }

    /** The CA certificate's PEM file (what a client or a node's --tls-client-ca trusts). */
    public Path certFile() {
        return certFile;
    }

    public X509Certificate certificate() {
        return cert;
    }

    /** A certificate and key for the files {@code name}.crt and {@code name}.key, a server's or a client's. */
    public record Issued(Path certFile, Path keyFile, X509Certificate certificate) {
        /** base64(SHA-256(SubjectPublicKeyInfo)): what Chromium's --ignore-certificate-errors-spki-list takes. */
        public String spkiSha256() {
            try {
                return Base64.getEncoder().encodeToString(
                        MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A server certificate for localhost and 127.0.0.1, written (over any before) to {@code name}.crt/.key. */
    public Issued issueServer(String name) {
        return issue(name, KeyPurposeId.id_kp_serverAuth);
    }

    /** A client certificate (mutual TLS), written to {@code name}.crt/.key. */
    public Issued issueClient(String name) {
        return issue(name, KeyPurposeId.id_kp_clientAuth);
    }

    private Issued issue(String name, KeyPurposeId purpose) {
        KeyPair leafKeys = ecKeys();
        X509Certificate leaf = sign(new X500Name(cert.getSubjectX500Principal().getName()),
                new X500Name("CN=" + name), leafKeys, keys, false, purpose);
        Path crt = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        // two renames, as a renewal tool does them: a watcher that reads the new key beside the old certificate
        // refuses that pair, and takes the new pair once the certificate follows
        write(key, leafKeys.getPrivate());
        write(crt, leaf, cert);
        return new Issued(crt, key, leaf);
    }

    /** A Netty client context that trusts this CA (and, with {@code client}, presents that certificate). */
    public SslContext clientContext(Issued client) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().trustManager(cert);
            if (client != null) {
                b.keyManager(client.certFile().toFile(), client.keyFile().toFile());
            }
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JDK HTTP client that trusts this CA. */
    public HttpClient httpClient() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X500Name issuer, X500Name subject, KeyPair subjectKeys, KeyPair issuerKeys,
                                        boolean ca, KeyPurposeId purpose) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(
                    SERIALS.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), subject, subjectKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    private static Path write(Path file, Object... pemObjects) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            for (Object o : pemObjects) {
                pem.writeObject(o instanceof java.security.PrivateKey k
                        ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text.toString());
            // renamed into place, as certbot and cert-manager replace files: never seen half written
            return Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
