package dev.switchboard.testkit;

/** Values read from a node's {@code /metrics} text (the Prometheus exposition format). */
public final class Scrape {
    private Scrape() {
    }

    /**
     * The sum of every series whose line starts with {@code series}: a metric's name alone (all its series) or
     * with the start of its labels, e.g. {@code jvm_memory_used_bytes{area="heap",}; 0 when there is none.
     */
    public static double sum(String metrics, String series) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            // a name alone must not match a longer name it begins
            boolean whole = series.indexOf('{') >= 0 || line.startsWith(series + " ") || line.startsWith(series + "{");
            if (line.startsWith(series) && whole) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** The one series named {@code name} (no labels); fails when there is none. */
    public static long value(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in /metrics");
    }
}
