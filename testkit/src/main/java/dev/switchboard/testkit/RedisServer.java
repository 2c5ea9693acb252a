package dev.switchboard.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on a free loopback port, owned by the test: it can be stopped (the
 * process is killed by its PID) and started again on the same port, empty, as after a crash.
 */
public final class RedisServer implements AutoCloseable {
    private int port;
    private final Path dir;
    private final boolean persistent;
    private Process process;
    /** With TLS: the server's certificate, the TLS port and the ACL user's arguments; else null. */
    private TestCa.Issued tlsCert;
    private int tlsPort = -1;
    private List<String> aclUser = List.of();

    private RedisServer(int port, Path dir, boolean persistent) {
        this.port = port;
        this.dir = dir;
        this.persistent = persistent;
    }

    /** A Redis that keeps nothing: a restart comes back empty. */
    public static RedisServer start() {
        return start(false);
    }

    /** A Redis that writes every change to its append-only file: a restart (even after SIGKILL) keeps the data. */
    public static RedisServer startPersistent() {
        return start(true);
    }

    /**
     * A Redis that also listens with TLS (redis-server's own: tls-port, {@code certificate} as its identity) and
     * has the ACL user {@code user} with {@code password}, allowed the commands and keys a node uses. The plain
     * port stays for the test's own {@link #command}s.
     */
    public static RedisServer startTls(TestCa.Issued certificate, String user, String password) {
        return start(false, certificate, List.of("--user", user, "on", ">" + password, "~*", "&*", "+@all"));
    }

    private static RedisServer start(boolean persistent) {
        return start(persistent, null, List.of());
    }

    private static RedisServer start(boolean persistent, TestCa.Issued tlsCert, List<String> aclUser) {
        RedisServer server;
        try {
            server = new RedisServer(LoopbackPorts.candidate(), Files.createTempDirectory("switchboard-redis"), persistent);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.tlsCert = tlsCert;
        server.aclUser = aclUser;
        server.tlsPort = tlsCert == null ? -1 : LoopbackPorts.candidate();
        for (int attempt = 1; ; attempt++) {
            try {
                server.startProcess();
                return server;
            } catch (PortTaken e) {
                if (attempt == LoopbackPorts.ATTEMPTS) {
                    throw new IllegalStateException("redis-server could not bind any of " + attempt + " ports", e);
                }
                server.port = LoopbackPorts.candidate();
                server.tlsPort = tlsCert == null ? -1 : LoopbackPorts.candidate();
            }
        }
    }

    /** The process ended before it answered: another process took its port between the check and the bind. */
    private static final class PortTaken extends RuntimeException {
        PortTaken(int port) {
            super("redis-server exited at start on port " + port);
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The running process's PID (a benchmark reads its CPU time), or -1 while it is stopped. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    /** The TLS port's URI, as {@code user} ({@link #startTls} only). */
    public String tlsUri(String user, String password) {
        return "rediss://" + user + ":" + password + "@localhost:" + tlsPort;
    }

    /** Kills the process (SIGKILL): connections drop, nothing is kept. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Starts the server again on the same port: empty, unless it is persistent. */
    public void restart() {
        kill();
        startProcess();
    }

    /** Sends one command (inline protocol) and returns the raw reply, for assertions on the cluster state. */
    public String command(String... args) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            StringBuilder cmd = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                cmd.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(cmd.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        kill();
    }

    private void startProcess() {
        try {
            List<String> args = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", persistent ? "yes" : "no",
                    "--appendfsync", "always", "--dir", dir.toString(),
                    "--daemonize", "no", "--loglevel", "warning"));
            if (tlsCert != null) {
                // clients are not asked for certificates: the ACL user's password authenticates them
                args.addAll(List.of("--tls-port", Integer.toString(tlsPort), "--tls-cert-file",
                        tlsCert.certFile().toString(), "--tls-key-file", tlsCert.keyFile().toString(),
                        "--tls-auth-clients", "no", "--tls-protocols", "TLSv1.2 TLSv1.3"));
            }
            args.addAll(aclUser);
            process = new ProcessBuilder(args)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server (is it installed?)", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                process = null;
                throw new PortTaken(port);
            }
            try {
                // answered, and by this process (one that lost the port to another server would have exited)
                if (command("PING").startsWith("+PONG") && process.isAlive()) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }
}
