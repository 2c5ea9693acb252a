package dev.switchboard.tls;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's certificate and key files ({@code --tls-cert}, {@code --tls-key}), read at start and again whenever
 * their content changes (certbot's renewal, cert-manager's secret update): each listener gets the new
 * {@link TlsIdentity}, so new handshakes use it, while connections already open keep theirs. A pair that does not
 * serve (half written, the key of another certificate) is refused with a warning and the previous one stays.
 *
 * <p>The files are compared by content, once a second: modification times can stay the same across a quick
 * replacement and across the symlink swaps of a Kubernetes secret volume, and the files are small.
 */
public final class TlsFiles implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsFiles.class);
    private static final long CHECK_MILLIS = 1000;

    private final Path certFile;
    private final Path keyFile;
    private final List<Consumer<TlsIdentity>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService checker;
    private volatile TlsIdentity current;
    private byte[] certSeen;
    private byte[] keySeen;

    /** Reads the pair now and watches it; fails as {@link TlsIdentity#read} does. */
    public TlsFiles(Path certFile, Path keyFile) throws TlsIdentity.Unusable {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.certSeen = TlsIdentity.bytes(certFile);
        this.keySeen = TlsIdentity.bytes(keyFile);
        this.current = TlsIdentity.of(certFile, certSeen, keyFile, keySeen);
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-tls-files");
            t.setDaemon(true);
            return t;
        });
        checker.scheduleWithFixedDelay(this::reloadIfChanged, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The pair in use. */
    public TlsIdentity current() {
        return current;
    }

    /** Calls {@code listener} with every pair read after this one (on the watcher's thread). */
    public void onChange(Consumer<TlsIdentity> listener) {
        listeners.add(listener);
    }

    private void reloadIfChanged() {
        byte[] cert;
        byte[] key;
        try {
            cert = TlsIdentity.bytes(certFile);
            key = TlsIdentity.bytes(keyFile);
        } catch (TlsIdentity.Unusable e) {
            return; // mid-replacement (a rename, a recreated file): looked at again next time
        }
        if (Arrays.equals(cert, certSeen) && Arrays.equals(key, keySeen)) {
            return;
        }
        certSeen = cert;
        keySeen = key;
        try {
            TlsIdentity next = TlsIdentity.of(certFile, cert, keyFile, key);
            current = next;
            for (Consumer<TlsIdentity> listener : listeners) {
                listener.accept(next);
            }
            log.info("TLS certificate reloaded: {}", next);
        } catch (TlsIdentity.Unusable e) {
            // the certificate may be written before its key: the next change (the key) is read again
            log.warn("TLS certificate not reloaded, the previous one stays: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("TLS certificate not reloaded, the previous one stays", e);
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
