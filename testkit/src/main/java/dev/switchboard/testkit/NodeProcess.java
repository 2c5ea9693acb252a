package dev.switchboard.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node in its own JVM, started as a user would ({@code switchboard serve …}) on a free loopback port, so a
 * test can end it the hard way (SIGKILL) or the polite way (SIGTERM) — always by its own PID. The child runs on
 * this JVM's class path, which must hold switchboard-cli (its main class) and its dependencies.
 */
public final class NodeProcess implements AutoCloseable {
    private static final String MAIN_CLASS = "dev.switchboard.app.Main";
    private static final Pattern LISTENING = Pattern.compile("ready on port (\\d+)");
    /** Logged before the node says it is ready. */
    private static final Pattern GRPC_LISTENING = Pattern.compile("gRPC listening on [^:]+:(\\d+)");

    private final Process process;
    private final File log;
    private final int port;

    private NodeProcess(Process process, File log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code serve --host 127.0.0.1 --port 0} plus {@code args}; returns once the port is bound. */
    public static NodeProcess start(String... args) {
        return start(List.of("-Xmx256m"), args);
    }

    /**
     * As {@link #start(String...)}, the JVM given {@code jvmOptions} (e.g. {@code -Xmx128m} for a node whose
     * memory is the point of the test) instead of the default 256 MiB heap.
     */
    public static NodeProcess start(List<String> jvmOptions, String... args) {
        return start(List.of(), jvmOptions, args);
    }

    /**
     * As {@link #start(List, String...)}, the process limited to {@code descriptors} open files (ulimit -n), as a
     * node on a smaller machine would be: what depends on the limit (--max-connections) can be reached by a test.
     */
    public static NodeProcess startWithDescriptorLimit(int descriptors, List<String> jvmOptions, String... args) {
        // the shell lowers its limit and becomes the JVM (exec), so the PID is the node's
        return start(List.of("sh", "-c", "ulimit -n " + descriptors + " && exec \"$0\" \"$@\""), jvmOptions, args);
    }

    private static NodeProcess start(List<String> launcher, List<String> jvmOptions, String... args) {
        try {
            String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            List<String> cmd = new ArrayList<>(launcher);
            cmd.add(java);
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    MAIN_CLASS, "serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "0",
                    "--transport", TestNodes.transport().name()));
            cmd.addAll(List.of(args));
            File log = File.createTempFile("switchboard-node", ".log");
            log.deleteOnExit();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
            // generous: a JVM can take long to start on a loaded machine; a process that dies ends the wait at once
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && p.isAlive()) {
                for (String line : Files.readAllLines(log.toPath())) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        return new NodeProcess(p, log, Integer.parseInt(m.group(1)));
                    }
                }
                Thread.sleep(50);
            }
            p.destroyForcibly();
            throw new IllegalStateException("node did not start: " + Files.readAllLines(log.toPath()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The gRPC port the node opened (it is started with {@code --grpc-port 0}). */
    public int grpcPort() {
        for (String line : output()) {
            Matcher m = GRPC_LISTENING.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new IllegalStateException("the node logged no gRPC port: " + output());
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public List<String> output() {
        try {
            return Files.readAllLines(log.toPath());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the process without ending it (SIGSTOP), as a long pause or a frozen VM would. */
    public void pause() {
        signal("STOP");
    }

    /** Lets a paused process go on (SIGCONT). */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: the node dies without a word to anyone. */
    public void kill() {
        process.destroyForcibly();
        waitFor(10);
    }

    /** SIGTERM: a graceful shutdown. */
    public void terminate() {
        process.destroy();
    }

    public boolean waitFor(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor(10);
        }
    }
}
