package dev.switchboard.app;

import dev.switchboard.config.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Reads durations for picocli options as {@link Durations} does: {@code 500ms}, {@code 30s}, {@code 2m}, ISO-8601. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException("not a duration (e.g. 500ms, 30s, 2m): " + value);
        }
    }
}
