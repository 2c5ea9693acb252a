package dev.switchboard.app;

import dev.switchboard.config.Option;
import io.netty.util.ResourceLeakDetector;
import java.util.List;

/** The options of the {@code serve} process itself (not of the node it runs), defined like the node's. */
final class AppOptions {
    private AppOptions() {
    }

    enum LogFormat { TEXT, JSON }

    enum LogLevel { TRACE, DEBUG, INFO, WARN, ERROR, OFF }

    static final Option<ResourceLeakDetector.Level> LEAK_DETECTION = Option.oneOf("leak-detection",
            ResourceLeakDetector.Level.class, ResourceLeakDetector.Level.DISABLED,
            "Netty's buffer leak detection; off because even sampled it costs CPU on every message "
                    + "(the test suite runs paranoid)");
    static final Option<LogFormat> LOG_FORMAT = Option.oneOf("log-format", LogFormat.class, LogFormat.TEXT,
            "log format");
    static final Option<LogLevel> LOG_LEVEL = Option.oneOf("log-level", LogLevel.class, LogLevel.INFO,
            "level of Switchboard's own logs");

    /** Read from the command line and the environment only (a file cannot name itself). */
    static final Option<String> CONFIG = Option.text("config", null, "none",
            "a YAML file of options, each key an option's name without --; flags and the environment win over it");

    static final List<Option<?>> ALL = List.of(LEAK_DETECTION, LOG_FORMAT, LOG_LEVEL, CONFIG);
}
