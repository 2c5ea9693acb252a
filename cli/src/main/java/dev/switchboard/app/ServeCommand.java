package dev.switchboard.app;

import dev.switchboard.NodeStartException;
import dev.switchboard.Switchboard;
import dev.switchboard.SwitchboardConfig;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.config.Option;
import io.netty.util.ResourceLeakDetector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/** {@code switchboard serve}: runs one node until SIGTERM or SIGINT, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start a node: HTTP, /health, /ready, /metrics and every WebSocket dialect on one port.")
final class ServeCommand implements Callable<Integer> {
    /** A value an option does not allow (the message names the option, the value and what is allowed). */
    static final int EXIT_BAD_OPTION = 2;
    /** The node could not start: a port in use, a transport the platform lacks, Redis out of reach. */
    static final int EXIT_CANNOT_START = 3;

    @Spec
    CommandSpec spec;

    /** Every option, flag > environment > default, each from its one definition. */
    static void addOptions(CommandSpec spec) {
        for (Option<?> option : options()) {
            String[] names = option.shortName() == null ? new String[] {option.flag()}
                    : new String[] {option.shortName(), option.flag()};
            boolean flag = option.defaultValue() instanceof Boolean;
            OptionSpec.Builder builder = OptionSpec.builder(names)
                    .type(String.class)
                    .arity(flag ? "0..1" : "1")
                    .paramLabel("<" + option.name() + ">")
                    .description(option.help() + " (env " + option.env() + "; " + option.allowed() + "). Default: "
                            + option.defaultText() + ".");
            if (flag) {
                builder.fallbackValue("true"); // --compression alone means true
            }
            spec.addOption(builder.build());
        }
    }

    static List<Option<?>> options() {
        List<Option<?>> all = new ArrayList<>(NodeOptions.ALL);
        all.addAll(AppOptions.ALL);
        return all;
    }

    /** The given value of an option on the command line, or null. */
    private String flag(Option<?> option) {
        OptionSpec given = spec.findOption(option.flag());
        return given == null ? null : given.getValue();
    }

    /** The README's configuration table, as the definitions make it (a test keeps the README equal to it). */
    static String markdownTable() {
        StringBuilder out = new StringBuilder("| option | environment | default | meaning |\n|---|---|---|---|\n");
        for (Option<?> o : options()) {
            String names = (o.shortName() == null ? "" : "`" + o.shortName() + "`, ") + "`" + o.flag() + "`";
            String fallback = o.defaultValue() == null ? o.defaultText() : "`" + o.defaultText() + "`";
            out.append("| ").append(names).append(" | `").append(o.env()).append("` | ").append(fallback)
                    .append(" | ").append(o.help()).append("; ").append(o.allowed()).append(" |\n");
        }
        return out.toString();
    }

    @Override
    public Integer call() throws Exception {
        SwitchboardConfig config;
        AppOptions.LogFormat logFormat;
        AppOptions.LogLevel logLevel;
        ResourceLeakDetector.Level leakDetection;
        try {
            String file = flag(AppOptions.CONFIG) != null ? flag(AppOptions.CONFIG) : System.getenv(AppOptions.CONFIG.env());
            List<Option<?>> fileOptions = new ArrayList<>(options());
            fileOptions.remove(AppOptions.CONFIG);
            OptionSources sources = OptionSources.of(this::flag, System.getenv(),
                    file == null || file.isBlank() ? null : Path.of(file), fileOptions);
            config = config(sources);
            logFormat = sources.value(AppOptions.LOG_FORMAT);
            logLevel = sources.value(AppOptions.LOG_LEVEL);
            leakDetection = sources.value(AppOptions.LEAK_DETECTION);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("switchboard serve: " + e.getMessage());
            return EXIT_BAD_OPTION;
        }
        // Before the first logger exists: logback reads these when it initialises.
        System.setProperty("switchboard.log.level", logLevel.name());
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile",
                    logFormat == AppOptions.LogFormat.JSON ? "logback-json.xml" : "logback.xml");
        }
        // grpc-java writes to java.util.logging, whose console handler bypasses these logs (and their format)
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        ResourceLeakDetector.setLevel(leakDetection);
        // grpc-java's own (shaded) copy of Netty has its own detector, sampling by default: the same level for it
        io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(
                io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.valueOf(leakDetection.name()));
        LoggerFactory.getLogger(ServeCommand.class).info("buffer leak detection: {}",
                leakDetection.name().toLowerCase(Locale.ROOT));
        // The hook is in place before the node starts. A SIGTERM during start-up waits (up to the drain time) for
        // the start to end and then drains what it opened, as after it: without the wait the JVM would exit under
        // the start, dropping the sockets already accepted on the public port without a close frame.
        AtomicReference<Switchboard> node = new AtomicReference<>();
        CountDownLatch startEnded = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (!startEnded.await(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    LoggerFactory.getLogger(ServeCommand.class).warn("stopped during start-up; the start did not end "
                            + "within the drain time");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Switchboard started = node.get();
            if (started != null) {
                started.close();
            }
            stopped.countDown();
        }, "switchboard-shutdown"));
        try {
            node.set(Switchboard.start(config));
        } catch (NodeStartException e) {
            LoggerFactory.getLogger(ServeCommand.class).error("cannot start: {}", e.getMessage());
            spec.commandLine().getErr().println("switchboard serve: cannot start: " + e.getMessage());
            return EXIT_CANNOT_START;
        } finally {
            startEnded.countDown();
        }
        stopped.await();
        return 0;
    }

    /** The node's configuration from its options' sources. */
    static SwitchboardConfig config(OptionSources sources) {
        SwitchboardConfig.Builder builder = SwitchboardConfig.builder();
        for (Option<?> option : NodeOptions.ALL) {
            set(builder, sources, option);
        }
        return builder.build();
    }

    private static <T> void set(SwitchboardConfig.Builder builder, OptionSources sources, Option<T> option) {
        builder.set(option, sources.value(option));
    }
}
