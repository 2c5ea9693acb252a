package dev.switchboard.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster of three masters on free loopback ports, created with {@code redis-cli --cluster
 * create}; every process is the test's own and is killed by its PID on close.
 */
public final class RedisClusterServer implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    private RedisClusterServer() {
    }

    public static RedisClusterServer start(int masters) {
        RedisClusterServer cluster = new RedisClusterServer();
        try {
            Path dir = Files.createTempDirectory("switchboard-redis-cluster");
            for (int i = 0; i < masters; i++) {
                cluster.startMaster(dir);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (int port : cluster.ports) {
                create.add("127.0.0.1:" + port);
            }
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(create).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("create.log").toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
            }
            for (int port : cluster.ports) {
                waitFor(() -> info(port).contains("cluster_state:ok"), "cluster state ok on " + port);
            }
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("cannot start a Redis Cluster", e);
        }
    }

    /** Starts one cluster-enabled redis-server, on another port whenever its port was taken before it bound. */
    private void startMaster(Path dir) throws IOException, InterruptedException {
        for (int attempt = 1; attempt <= LoopbackPorts.ATTEMPTS; attempt++) {
            int port = LoopbackPorts.candidate();
            Process process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                    "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--loglevel", "warning"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
            processes.add(process);
            waitFor(() -> !process.isAlive() || ping(port), "redis-server on " + port);
            if (process.isAlive()) {
                ports.add(port);
                return;
            }
            processes.remove(process); // it lost its port (or bus port) to another process: another one
        }
        throw new IllegalStateException("no cluster-enabled redis-server could bind a port");
    }

    /** Seed URIs, comma-separated, as {@code --redis} takes them. */
    public String uris() {
        StringBuilder b = new StringBuilder();
        for (int port : ports) {
            b.append(b.length() == 0 ? "" : ",").append("redis://127.0.0.1:").append(port);
        }
        return b.toString();
    }

    public List<Integer> ports() {
        return ports;
    }

    /** One command against one shard (no redirection), as raw RESP. */
    public String command(int port, String... args) {
        return rawCommand(port, args);
    }

    private static boolean ping(int port) {
        try {
            return rawCommand(port, "PING").startsWith("+PONG");
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static String info(int port) {
        try {
            return rawCommand(port, "CLUSTER", "INFO");
        } catch (IllegalStateException e) {
            return "";
        }
    }

    private static String rawCommand(int port, String... args) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            StringBuilder cmd = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) {
                cmd.append('$').append(a.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            s.getOutputStream().write(cmd.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier ok, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
