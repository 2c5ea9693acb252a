package dev.switchboard.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One option of a node, defined once: its name on the command line ({@code --name}), in the environment
 * ({@code SWITCHBOARD_NAME} unless given) and in a configuration file ({@code name}), its default, what values
 * it allows and its help text. The command line, the validation of {@link dev.switchboard.SwitchboardConfig},
 * {@code --help} and the README's configuration table all come from these definitions.
 *
 * @param <T> the value's type
 */
public final class Option<T> {
    private final String name;
    private final String shortName;
    private final String env;
    private final T defaultValue;
    private final String defaultText;
    private final String allowed;
    private final Function<String, T> parse;
    private final Function<T, Boolean> valid;
    private final String help;

    private Option(String name, String shortName, String env, T defaultValue, String defaultText, String allowed,
                   Function<String, T> parse, Function<T, Boolean> valid, String help) {
        this.name = name;
        this.shortName = shortName;
        this.env = env;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.allowed = allowed;
        this.parse = parse;
        this.valid = valid;
        this.help = help;
    }

    /** A whole number from {@code min} to {@code max}. */
    public static Option<Integer> integer(String name, int defaultValue, int min, int max, String help) {
        return new Option<>(name, null, envOf(name), defaultValue, Integer.toString(defaultValue),
                "a whole number from " + min + " to " + max, Integer::valueOf, v -> v >= min && v <= max, help);
    }

    /** A number of bytes from {@code min} to {@code max}, written as digits with an optional k, m or g (KiB, MiB, GiB). */
    public static Option<Long> bytes(String name, long defaultValue, long min, long max, String help) {
        return new Option<>(name, null, envOf(name), defaultValue, Long.toString(defaultValue),
                "a number of bytes from " + min + ", such as 1048576, 512k, 256m or 2g", Option::parseBytes,
                v -> v >= min && v <= max, help);
    }

    private static Long parseBytes(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int shift = t.endsWith("k") ? 10 : t.endsWith("m") ? 20 : t.endsWith("g") ? 30 : 0;
        long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
        if (n < 0 || n > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException(text);
        }
        return n << shift;
    }

    /** A duration from {@code min} (inclusive) up, written {@code 500ms}, {@code 30s}, {@code 2m} or ISO-8601. */
    public static Option<Duration> duration(String name, Duration defaultValue, Duration min, String help) {
        String allowed = min.isZero() ? "a duration such as 500ms, 30s or 2m"
                : "a duration of at least " + Durations.format(min) + ", such as 500ms, 30s or 2m";
        return new Option<>(name, null, envOf(name), defaultValue, Durations.format(defaultValue), allowed,
                Durations::parse, v -> v.compareTo(min) >= 0, help);
    }

    public static Option<Boolean> bool(String name, boolean defaultValue, String help) {
        return new Option<>(name, null, envOf(name), defaultValue, Boolean.toString(defaultValue), "true or false",
                text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException();
                }, v -> true, help);
    }

    /** Free text; {@code defaultText} says what no value means when the default is null. */
    public static Option<String> text(String name, String defaultValue, String defaultText, String help) {
        return new Option<>(name, null, envOf(name), defaultValue, defaultValue != null ? defaultValue : defaultText,
                "text", Function.identity(), v -> !v.isEmpty(), help);
    }

    /** One of an enum's constants, written in lower case (any case is read). */
    public static <E extends Enum<E>> Option<E> oneOf(String name, Class<E> type, E defaultValue, String help) {
        String names = Arrays.stream(type.getEnumConstants()).map(Option::lower).collect(Collectors.joining(", "));
        return new Option<>(name, null, envOf(name), defaultValue, lower(defaultValue), "one of " + names,
                text -> Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT)), v -> true, help);
    }

    /** The same option, also written {@code shortName} on the command line. */
    public Option<T> alias(String shortName) {
        return new Option<>(name, shortName, env, defaultValue, defaultText, allowed, parse, valid, help);
    }

    /** The same option, read from environment variable {@code env} instead of the derived one. */
    public Option<T> env(String env) {
        return new Option<>(name, shortName, env, defaultValue, defaultText, allowed, parse, valid, help);
    }

    /** The same option, its default described as {@code text} in help and documentation. */
    public Option<T> defaultText(String text) {
        return new Option<>(name, shortName, env, defaultValue, text, allowed, parse, valid, help);
    }

    /** The same option, with {@code allowed} saying what values it takes (for a check narrower than its type). */
    public Option<T> allowing(String allowed, Function<T, Boolean> valid) {
        return new Option<>(name, shortName, env, defaultValue, defaultText, allowed, parse, valid, help);
    }

    /** Reads a value as written on the command line, in the environment or in a file. */
    public T parse(String text) {
        T value;
        try {
            value = parse.apply(Objects.requireNonNull(text, "text"));
        } catch (RuntimeException e) {
            throw new OptionException(this, text);
        }
        return check(value, text);
    }

    /** The value if this option allows it; else an {@link OptionException} naming the option and what it allows. */
    public T check(T value) {
        return check(value, String.valueOf(value));
    }

    private T check(T value, String written) {
        if (value == null) {
            if (defaultValue == null) {
                return null; // optional: none
            }
            throw new OptionException(this, "nothing");
        }
        if (!valid.apply(value)) {
            throw new OptionException(this, written);
        }
        return value;
    }

    /** {@code name}: the kebab-case name, the file key and (with {@code --}) the flag. */
    public String name() {
        return name;
    }

    public String flag() {
        return "--" + name;
    }

    /** The short flag, such as {@code -p}, or null. */
    public String shortName() {
        return shortName;
    }

    public String env() {
        return env;
    }

    /** The default value; null where the option has none (then {@link #defaultText} says what that means). */
    public T defaultValue() {
        return defaultValue;
    }

    public String defaultText() {
        return defaultText;
    }

    /** What values the option takes, in words. */
    public String allowed() {
        return allowed;
    }

    public String help() {
        return help;
    }

    @Override
    public String toString() {
        return flag();
    }

    private static String envOf(String name) {
        return "SWITCHBOARD_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
