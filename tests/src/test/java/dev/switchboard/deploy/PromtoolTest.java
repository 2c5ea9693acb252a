package dev.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus files under deploy/prometheus checked by promtool (Debian's prometheus package; scripts/test-deps.sh
 * installs it): the alert rules' syntax and templates, their unit tests (alerts.test.yml: each alert fires on the
 * series that should raise it), the scrape configuration, and the Grafana dashboard's queries as PromQL.
 */
class PromtoolTest {
    private static final Path DIR = DeployFiles.path("deploy/prometheus");

    @Test
    void alertRulesAreValid() {
        assertThat(promtool(DIR, "check", "rules", "alerts.yml")).contains("SUCCESS: ");
    }

    @Test
    void alertRulesFireOnTheSeriesThatShouldRaiseThem() {
        assertThat(promtool(DIR, "test", "rules", "alerts.test.yml")).contains("SUCCESS");
    }

    @Test
    void scrapeConfigurationIsValidAndLoadsTheRules() {
        assertThat(promtool(DIR, "check", "config", "prometheus.yml")).contains("SUCCESS: 1 rule files found");
    }

    /** promtool checks PromQL inside rule files only: each dashboard query becomes a recording rule of a scratch file. */
    @Test
    void everyDashboardQueryIsValidPromql() throws IOException {
        List<String> queries = Queries.dashboards();
        assertThat(queries).isNotEmpty();
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            rules.append("      - record: dashboard:query").append(i).append("\n        expr: '")
                    .append(Queries.promql(queries.get(i)).replace("'", "''")).append("'\n");
        }
        Path dir = Files.createTempDirectory("switchboard-promtool");
        Files.writeString(dir.resolve("dashboard-rules.yml"), rules);
        assertThat(promtool(dir, "check", "rules", "dashboard-rules.yml"))
                .contains("SUCCESS: " + queries.size() + " rules found");
    }

    /** Runs promtool in {@code dir}; fails the test with promtool's output when it does not exit 0. */
    static String promtool(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        try {
            File out = File.createTempFile("switchboard-promtool", ".log");
            out.deleteOnExit();
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("promtool finished").isTrue();
            String output = Files.readString(out.toPath());
            assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + output).isZero();
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run promtool (scripts/test-deps.sh installs Debian's prometheus)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
