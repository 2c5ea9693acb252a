package dev.switchboard.support;

import dev.switchboard.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real nginx as a child process of the test, with a prefix folder of its own: an http-level server
 * file (the repository's, with its addresses rewritten by the caller) is included by a small main file that
 * puts the pid file, the logs and the temporary files in that folder, as the nginx image's own main file does
 * for {@code conf.d/*.conf}. No root is needed, and only this process, by its PID, is ever ended.
 */
public final class Nginx implements AutoCloseable {
    public static final String BINARY = "/usr/sbin/nginx";
    private final Process process;
    private final Path prefix;
    private final int port;

    private Nginx(Process process, Path prefix, int port) {
        this.process = process;
        this.prefix = prefix;
        this.port = port;
    }

    /**
     * Starts nginx with {@code serverConfig}, an http-level file in which {@code {{port}}} stands for the port it
     * listens on (the caller puts it where the shipped file has its listen port); retries with another free port
     * when that one was taken meanwhile.
     */
    public static Nginx start(String serverConfig) {
        for (int attempt = 1; ; attempt++) {
            int port = LoopbackPorts.candidate();
            Nginx nginx = tryStart(serverConfig.replace("{{port}}", Integer.toString(port)), port);
            if (nginx != null) {
                return nginx;
            }
            if (attempt == LoopbackPorts.ATTEMPTS) {
                throw new IllegalStateException("nginx could not bind any of " + attempt + " ports");
            }
        }
    }

    private static Nginx tryStart(String serverConfig, int port) {
        try {
            Path prefix = Files.createTempDirectory("switchboard-nginx");
            Files.writeString(prefix.resolve("switchboard.conf"), serverConfig);
            Files.writeString(prefix.resolve("nginx.conf"), String.join("\n",
                    "daemon off;",
                    "pid " + prefix.resolve("nginx.pid") + ";",
                    "error_log " + prefix.resolve("error.log") + " info;",
                    "worker_processes 1;",
                    "events { worker_connections 1024; }",
                    "http {",
                    "    access_log " + prefix.resolve("access.log") + ";",
                    "    client_body_temp_path " + prefix.resolve("body") + ";",
                    "    proxy_temp_path " + prefix.resolve("proxy") + ";",
                    "    fastcgi_temp_path " + prefix.resolve("fastcgi") + ";",
                    "    uwsgi_temp_path " + prefix.resolve("uwsgi") + ";",
                    "    scgi_temp_path " + prefix.resolve("scgi") + ";",
                    "    include " + prefix.resolve("switchboard.conf") + ";",
                    "}", ""));
            Process p = new ProcessBuilder(List.of(BINARY, "-p", prefix.toString(), "-c",
                    prefix.resolve("nginx.conf").toString(), "-e", prefix.resolve("error.log").toString()))
                    .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && p.isAlive()) {
                // the master writes its pid file after it bound the listen port
                if (Files.exists(prefix.resolve("nginx.pid")) && p.isAlive() && listening(port)) {
                    return new Nginx(p, prefix, port);
                }
                Thread.sleep(20);
            }
            String log = Files.exists(prefix.resolve("error.log")) ? Files.readString(prefix.resolve("error.log")) : "";
            if (!p.isAlive() && log.contains("Address already in use")) {
                return null;
            }
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("nginx did not start: " + log
                    + Files.readString(prefix.resolve("stdout.log")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + BINARY + " (scripts/test-deps.sh installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** What nginx logged: errors, and each upstream it gave up on. */
    public String errorLog() {
        try {
            return Files.readString(prefix.resolve("error.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends the master by its PID (SIGTERM, then SIGKILL); its workers go with it. */
    @Override
    public void close() {
        try {
            List<ProcessHandle> workers = process.descendants().toList();
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            workers.forEach(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
