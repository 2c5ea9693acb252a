package dev.switchboard;

import dev.switchboard.config.Option;

/**
 * A node could not start for a reason its operator can act on: a port already in use, a transport the platform
 * lacks, a Redis it cannot reach. The message is one line that names the option, its value and the problem.
 */
public final class NodeStartException extends IllegalStateException {
    private final transient Option<?> option;

    public NodeStartException(Option<?> option, String value, String problem, Throwable cause) {
        super(option.flag() + " " + value + ": " + problem, cause);
        this.option = option;
    }

    /** The option whose value could not be used. */
    public Option<?> option() {
        return option;
    }

    /** The innermost message of a failure: the reason as the library that failed put it. */
    public static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    /** Whether a failure is an address already in use. */
    public static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }
}
