package dev.switchboard.bench.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Reads a local server process's CPU time and memory, so cost per delivered message can be reported. */
public final class ServerProbe {
    /** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ), which is 100 on every common kernel. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long pid;
    private final HttpClient http;

    /** @param http the client /metrics is read with (one that trusts the server's CA when it is https://) */
    public ServerProbe(long pid, HttpClient http) {
        this.pid = pid;
        this.http = http;
    }

    public boolean present() {
        return pid > 0 && Files.exists(Path.of("/proc/" + pid + "/stat"));
    }

    /** User plus system CPU seconds the process has used so far. */
    public double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after "(comm) ": state is f[0]; utime is field 14 overall -> f[11], stime f[12]
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
        }
    }

    /**
     * CPU seconds so far by kind of thread: the server's event loops ("switchboard-" threads), the JIT compilers,
     * the collector and the VM thread, and everything else. Threads that ended are not counted. What a storm's CPU
     * per join is made of: the event loops' share is the join itself, the compilers' is a JIT not yet done.
     */
    public Map<String, Double> threadCpuSeconds() {
        Map<String, Double> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double seconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
                out.merge(threadKind(name), seconds, Double::sum);
            }
        } catch (IOException e) {
            return Map.of();
        }
        return out;
    }

    private static String threadKind(String name) {
        if (name.startsWith("switchboard-")) {
            return "event loops";
        }
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "JIT";
        }
        if (name.startsWith("GC ") || name.startsWith("G1 ") || name.equals("VM Thread")) {
            return "GC and VM";
        }
        return "other";
    }

    private boolean isJvm() {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0")[0].endsWith("java");
        } catch (IOException e) {
            return false;
        }
    }

    /** Resident set size in bytes. */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return -1;
    }

    /**
     * Live heap of a JVM server: forces a full GC with {@code jcmd} and reads the heap in use from the node's
     * Prometheus metrics. -1 when the process is not a JVM or has no /metrics.
     */
    public long jvmHeapAfterGc(URI metrics) {
        if (!isJvm()) {
            return -1; // jcmd attaches with SIGQUIT, which would kill a process that is not a JVM
        }
        try {
            Process gc = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true).start();
            gc.getInputStream().readAllBytes();
            if (!gc.waitFor(30, TimeUnit.SECONDS) || gc.exitValue() != 0) {
                return -1;
            }
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long used = 0;
            boolean found = false;
            for (String line : r.body().split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    used += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    found = true;
                }
            }
            return found ? used : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The value of the unlabelled Prometheus metric {@code name} at {@code metrics}, or -1 when not there. */
    public double metric(URI metrics, String name) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith(name + " ")) {
                    return Double.parseDouble(line.substring(name.length() + 1).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }
}
