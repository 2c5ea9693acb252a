package dev.switchboard.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A server's certificate chain and the private key of its first certificate, read from PEM files as certbot,
 * cert-manager and openssl write them: the chain leaf first, the key as PKCS#8, PKCS#1 (RSA) or SEC1 (EC),
 * unencrypted.
 *
 * @param chain the certificates, the server's own first
 * @param key   the private key of {@code chain[0]}
 */
public record TlsIdentity(X509Certificate[] chain, PrivateKey key) {
    /** A file that cannot serve: unreadable, not PEM, no certificate, no key, or a key of another certificate. */
    public static final class Unusable extends Exception {
        private final Path file;

        Unusable(Path file, String message) {
            super(message);
            this.file = file;
        }

        /** The file at fault. */
        public Path file() {
            return file;
        }
    }

    /** Reads the pair, checking that the key is the certificate's. */
    public static TlsIdentity read(Path certFile, Path keyFile) throws Unusable {
        return of(certFile, bytes(certFile), keyFile, bytes(keyFile));
    }

    static TlsIdentity of(Path certFile, byte[] certPem, Path keyFile, byte[] keyPem) throws Unusable {
        X509Certificate[] chain = certificates(certFile, certPem);
        PrivateKey key = privateKey(keyFile, keyPem);
        if (!matches(key, chain[0])) {
            throw new Unusable(keyFile, "the key is not the key of the certificate in " + certFile);
        }
        return new TlsIdentity(chain, key);
    }

    /** The certificates of a PEM file (a CA bundle, say), at least one. */
    public static X509Certificate[] certificates(Path file) throws Unusable {
        return certificates(file, bytes(file));
    }

    /** The server certificate's subject, as in logs and /health. */
    public String subject() {
        return chain[0].getSubjectX500Principal().getName();
    }

    /** When the server certificate expires. */
    public Instant notAfter() {
        return chain[0].getNotAfter().toInstant();
    }

    static byte[] bytes(Path file) throws Unusable {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Unusable(file, "cannot read " + file + ": " + e.getClass().getSimpleName());
        }
    }

    private static X509Certificate[] certificates(Path file, byte[] pem) throws Unusable {
        try {
            X509Certificate[] chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).stream()
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
            if (chain.length == 0) {
                throw new Unusable(file, "no PEM certificate in " + file);
            }
            return chain;
        } catch (GeneralSecurityException e) {
            throw new Unusable(file, "no PEM certificate in " + file + " (" + e.getMessage() + ")");
        }
    }

    private static PrivateKey privateKey(Path file, byte[] pem) throws Unusable {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new Unusable(file, "the key in " + file + " is encrypted; give it unencrypted "
                            + "(readable by the node's user only)");
                }
                // anything else (EC PARAMETERS before an EC key, a certificate) is skipped
            }
        } catch (IOException e) {
            throw new Unusable(file, "no PEM private key in " + file + " (" + e.getMessage() + ")");
        }
        throw new Unusable(file, "no PEM private key in " + file);
    }

    /** Whether {@code key} signs what the certificate's public key verifies: the pair belongs together. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm())
                && !(key.getAlgorithm().startsWith("Ed") && cert.getPublicKey().getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] probe = "switchboard key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsIdentity other && Arrays.equals(chain, other.chain) && key.equals(other.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(chain) * 31 + key.hashCode();
    }

    @Override
    public String toString() {
        return subject() + " until " + notAfter();
    }
}
