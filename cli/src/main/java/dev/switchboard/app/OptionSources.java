package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.config.Option;
import dev.switchboard.config.OptionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/**
 * Where an option's value comes from, first found wins: the command line, then the environment, then the
 * configuration file, then the option's default. Every refusal names the option and where its value came from.
 */
final class OptionSources {
    private final Function<Option<?>, String> flags;
    private final Map<String, String> env;
    private final Map<String, String> file;
    private final String fileName;

    private OptionSources(Function<Option<?>, String> flags, Map<String, String> env, Map<String, String> file,
                          String fileName) {
        this.flags = flags;
        this.env = env;
        this.file = file;
        this.fileName = fileName;
    }

    /**
     * Sources over {@code flags} (the value given on the command line, or null), {@code env}, and the YAML file at
     * {@code configFile} (null: none), whose keys must be names of {@code known} options.
     */
    static OptionSources of(Function<Option<?>, String> flags, Map<String, String> env, Path configFile,
                            Collection<Option<?>> known) {
        if (configFile == null) {
            return new OptionSources(flags, env, Map.of(), null);
        }
        return new OptionSources(flags, env, readFile(configFile, known), configFile.toString());
    }

    <T> T value(Option<T> option) {
        String flag = flags.apply(option);
        if (flag != null) {
            return option.parse(flag);
        }
        String fromEnv = env.get(option.env());
        if (fromEnv != null) {
            return parse(option, fromEnv, option.env());
        }
        String fromFile = file.get(option.name());
        if (fromFile != null) {
            return parse(option, fromFile, fileName);
        }
        return option.defaultValue();
    }

    /** Parses a value that came from {@code where}, which a refusal then names beside the option. */
    private static <T> T parse(Option<T> option, String text, String where) {
        try {
            return option.parse(text);
        } catch (OptionException e) {
            throw e.from(where);
        }
    }

    private static Map<String, String> readFile(Path path, Collection<Option<?>> known) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readString(path));
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot read it as YAML: " + e.getMessage().lines()
                    .findFirst().orElse(""), e);
        }
        Map<String, String> values = new HashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values; // an empty file sets nothing
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(path + ": must be a map of option names to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (known.stream().noneMatch(o -> o.name().equals(e.getKey()))) {
                throw new IllegalArgumentException(path + ": unknown option '" + e.getKey()
                        + "' (keys are the options' names without --)");
            }
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new IllegalArgumentException(path + ": " + e.getKey() + " must be a single value");
            }
            values.put(e.getKey(), e.getValue().asText());
        }
        return values;
    }
}
