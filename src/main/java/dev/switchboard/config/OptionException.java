package dev.switchboard.config;

/** A value an option does not allow: the message names the option, the value and what is allowed, in one line. */
public final class OptionException extends IllegalArgumentException {
    private final transient Option<?> option;
    private final String value;

    public OptionException(Option<?> option, String value) {
        super(option.flag() + ": " + (value == null || value.isEmpty() ? "nothing" : "'" + value + "'")
                + " is not allowed; it takes " + option.allowed());
        this.option = option;
        this.value = value;
    }

    public Option<?> option() {
        return option;
    }

    public String value() {
        return value;
    }
}
