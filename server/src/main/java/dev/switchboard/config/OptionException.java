package dev.switchboard.config;

/** A value an option does not allow: the message names the option, the value and what is allowed, in one line. */
public final class OptionException extends IllegalArgumentException {
    private final transient Option<?> option;
    private final String value;

    public OptionException(Option<?> option, String value) {
        this(option, value, "");
    }

    private OptionException(Option<?> option, String value, String source) {
        super(option.flag() + source + ": " + (value == null || value.isEmpty() ? "nothing" : "'" + value + "'")
                + " is not allowed; it takes " + option.allowed());
        this.option = option;
        this.value = value;
    }

    /** The same refusal, saying where the value came from (an environment variable, a file). */
    public OptionException from(String where) {
        OptionException e = new OptionException(option, value, " (from " + where + ")");
        e.initCause(this);
        return e;
    }

    public Option<?> option() {
        return option;
    }

    public String value() {
        return value;
    }
}
