package dev.switchboard.app;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.switchboard.config.Option;
import dev.switchboard.config.OptionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
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

    /**
     * Reads the file's top-level map, each value as written: the YAML parser's own reading would make
     * {@code auth: off} the boolean false (YAML 1.1), which is not what an operator means by it.
     */
    private static Map<String, String> readFile(Path path, Collection<Option<?>> known) {
        Map<String, String> values = new HashMap<>();
        try (YAMLParser parser = new YAMLFactory().createParser(Files.readString(path))) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return values; // an empty file sets nothing
            }
            if (token != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException(path + ": must be a map of option names to values");
            }
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                if (known.stream().noneMatch(o -> o.name().equals(name))) {
                    throw new IllegalArgumentException(path + ": unknown option '" + name
                            + "' (keys are the options' names without --)");
                }
                JsonToken value = parser.nextToken();
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY || value == JsonToken.VALUE_NULL) {
                    throw new IllegalArgumentException(path + ": " + name + " must be a single value");
                }
                values.put(name, parser.getText());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot read it as YAML: " + e.getMessage().lines()
                    .findFirst().orElse(""), e);
        }
        return values;
    }
}
