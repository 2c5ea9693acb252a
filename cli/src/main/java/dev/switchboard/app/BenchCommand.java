package dev.switchboard.app;

import dev.switchboard.bench.BenchOptions;
import dev.switchboard.bench.BenchReport;
import dev.switchboard.bench.LoadGenerator;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code switchboard bench}: the load generator (every WebSocket dialect; storm and re-home modes). */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load a y-webrtc signaling server (Switchboard or any other) and report deliveries per "
                + "second, latency percentiles, missing deliveries and, given its PID, the server's CPU per "
                + "delivered message and memory per connection.",
                "Connects only to --url (and from the --source addresses); every run is bounded in time and "
                        + "connections."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--dialect", defaultValue = "y-webrtc",
            description = "y-webrtc (publish to a room: every subscriber receives), or named-peer, rendezvous, radix, peerjs "
                    + "(each message relayed to one peer of its room; radix needs --peers 2), or grpc (--rooms pairs "
                    + "of a worker and its client relaying to each other; --peers 2, --url grpc://host:port). "
                    + "Default: ${DEFAULT-VALUE}.")
    String dialect;

    @Option(names = "--url", split = ",", defaultValue = "ws://127.0.0.1:8080/",
            description = "Server(s) to load; with several (comma-separated nodes of a cluster), peers are spread over "
                    + "them round robin so every room spans nodes. Default: ${DEFAULT-VALUE}.")
    List<URI> url;

    @Option(names = "--rooms", defaultValue = "100", description = "Rooms (topics). Default: ${DEFAULT-VALUE}.")
    int rooms;

    @Option(names = "--peers", defaultValue = "4", description = "Peers per room, each subscribed and publishing. Default: ${DEFAULT-VALUE}.")
    int peers;

    @Option(names = "--payload", defaultValue = "1024", description = "Bytes per published frame. Default: ${DEFAULT-VALUE}.")
    int payload;

    @Option(names = "--rate", defaultValue = "40",
            description = "Messages per second per peer (open loop); 0 = closed loop with --window. Default: ${DEFAULT-VALUE}.")
    int rate;

    @Option(names = "--window", defaultValue = "4", description = "Closed loop: messages in flight per peer. Default: ${DEFAULT-VALUE}.")
    int window;

    @Option(names = "--warmup", defaultValue = "5s", converter = DurationConverter.class,
            description = "Sending before measuring. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--duration", defaultValue = "20s", converter = DurationConverter.class,
            description = "Measured sending time (at most 10m; 2h with --churn). Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--drain", defaultValue = "2s", converter = DurationConverter.class,
            description = "Longest wait for deliveries in flight after sending stops; ends once none is missing. Default: ${DEFAULT-VALUE}.")
    Duration drain;

    @Option(names = "--idle", defaultValue = "0",
            description = "Idle mode: hold this many connections (each subscribed to one of --rooms) instead of sending.")
    int idle;

    @Option(names = "--hold", defaultValue = "5s", converter = DurationConverter.class,
            description = "Idle mode: how long to hold before measuring the server; storm mode: how long to hold the "
                    + "connections after the last join. Default: ${DEFAULT-VALUE}.")
    Duration hold;

    @Option(names = "--source", split = ",",
            description = "Local addresses to connect from, round robin (e.g. 127.0.0.2,127.0.0.3) when one address runs out of ports.")
    List<String> sources = new ArrayList<>();

    @Option(names = "--server-pid", defaultValue = "-1",
            description = "PID of the server on this machine: report its CPU per delivery and memory per connection.")
    long serverPid;

    @Option(names = "--cpu-pid", split = ",", paramLabel = "NAME=PID",
            description = "Further processes on this machine (another node, Redis) whose CPU per delivered message "
                    + "is reported beside the server's, e.g. node-b=4242,redis=4243.")
    Map<String, Long> cpuPids = new LinkedHashMap<>();

    @Option(names = "--storm", defaultValue = "0",
            description = "Storm mode: open this many connections as fast as --concurrency allows, each to a "
                    + "confirmed subscription or login; report connects per second and the handshake latencies.")
    int storm;

    @Option(names = "--storm-warmup", split = ",", paramLabel = "N",
            description = "Storm mode: storms of these sizes first (e.g. 10000,10000), in this process, each closed "
                    + "and gone from the server before the next; they warm the generator's JIT and the server's and "
                    + "are reported apart (on standard error), not counted.")
    List<Integer> stormWarmup = new ArrayList<>();

    @Option(names = "--concurrency", defaultValue = "256",
            description = "Connections being opened at once (TCP, TLS, upgrade). Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--rehome-kill", defaultValue = "-1", paramLabel = "PID",
            description = "Re-home mode (y-webrtc): --rooms x --peers peers spread over the --url nodes; the node "
                    + "of the first URL, whose PID this is, is killed (SIGKILL) and its peers connect to the others "
                    + "(a URL listed several times gets that many shares of the peers). "
                    + "Reports when all were back and when every room's count was right again on every node; "
                    + "--duration bounds the wait after the kill.")
    long rehomeKill;

    @Option(names = "--churn", defaultValue = "0",
            description = "Load mode (y-webrtc, open loop): this many further connections a second join (half to the "
                    + "run's rooms, half to rooms of their own) and leave 10 s later, a soak's churn; what they "
                    + "receive is not counted. Default: ${DEFAULT-VALUE}.")
    int churn;

    @Option(names = "--threads", defaultValue = "2", description = "Generator threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--tls-ca", description = "PEM CA certificates a wss:// server's certificate is checked "
            + "against (default: the JVM's trust store); certificates are always checked.")
    Path tlsCa;

    @Option(names = "--json", description = "Also write the report as JSON to this file.")
    Path json;

    @Override
    public Integer call() throws Exception {
        List<InetAddress> sourceAddresses = new ArrayList<>();
        for (String s : sources) {
            sourceAddresses.add(InetAddress.getByName(s));
        }
        BenchOptions options = BenchOptions.builder().dialect(dialect).targets(url).rooms(rooms).peersPerRoom(peers)
                .payloadBytes(payload).ratePerPeer(rate).window(window).warmup(warmup).duration(duration).drain(drain)
                .idleConnections(idle).hold(hold).sourceAddresses(sourceAddresses).serverPid(serverPid)
                .ioThreads(threads).tlsCa(tlsCa).cpuPids(cpuPids).storm(storm).concurrency(concurrency)
                .rehomeKillPid(rehomeKill).churn(churn).stormWarmup(stormWarmup).build();
        BenchReport report = LoadGenerator.run(options);
        System.out.print(report.toTable());
        if (json != null) {
            Files.writeString(json, report.toJson());
        }
        return report.errors() == 0 ? 0 : 1;
    }
}
