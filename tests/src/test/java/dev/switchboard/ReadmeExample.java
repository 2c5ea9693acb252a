package dev.switchboard;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fenced code block of README.md and the HTML comment on the line before it that says what the docs test does
 * with it: {@code <!-- example: NAME -->} (run by the test's runner NAME) or
 * {@code <!-- example: NAME (which part runs, and why the rest does not) -->} or
 * {@code <!-- example not run: REASON -->}.
 *
 * @param line   the fence's line number (1-based)
 * @param name   the runner's name, or null when the block is not run
 * @param reason why it is not run, or null when it is
 * @param text   the block's content, without the fences
 */
record ReadmeExample(int line, String name, String reason, String text) {
    private static final Pattern RUN = Pattern.compile("^<!-- example: ([a-z0-9-]+)(?: \\((.+)\\))? -->$");
    private static final Pattern NOT_RUN = Pattern.compile("^<!-- example not run: (.+) -->$");

    /** Every fenced block of {@code markdown}; a block without a marker has neither a name nor a reason. */
    static List<ReadmeExample> parse(String markdown) {
        List<ReadmeExample> out = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].startsWith("```")) {
                continue;
            }
            int start = i;
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.length && !lines[i].startsWith("```"); i++) {
                text.append(lines[i]).append('\n');
            }
            String marker = start > 0 ? lines[start - 1].strip() : "";
            Matcher run = RUN.matcher(marker);
            Matcher notRun = NOT_RUN.matcher(marker);
            out.add(new ReadmeExample(start + 1, run.matches() ? run.group(1) : null,
                    notRun.matches() ? notRun.group(1) : null, text.toString()));
        }
        return out;
    }

    /** The block's shell commands: comments dropped, continuation lines joined, blank lines skipped. */
    List<String> commands() {
        List<String> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.startsWith("#") ? "" : raw.replaceFirst("\\s+#\\s.*$", "").stripTrailing();
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            if (!pending.toString().isBlank()) {
                out.add(pending.toString().strip().replaceAll("\\s{2,}", " "));
            }
            pending.setLength(0);
        }
        return out;
    }
}
