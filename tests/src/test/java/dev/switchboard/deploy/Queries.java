package dev.switchboard.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL queries that ship in deploy/ (the Grafana dashboards' panel targets, the alert rules) and the metric
 * names they read. Names are found by a small tokenizer rather than a PromQL parser (none exists for the JVM):
 * after string literals, label matchers, ranges and grouping clauses are removed, an identifier that is not
 * called as a function and is not a keyword is a metric name. promtool checks the same queries' syntax.
 */
final class Queries {
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([A-Za-z_:][A-Za-z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2");

    private Queries() {
    }

    /** Every panel target's expr of every dashboard under deploy/grafana/dashboards, rows' panels included. */
    static List<String> dashboards() {
        List<String> out = new ArrayList<>();
        try (var files = java.nio.file.Files.list(DeployFiles.path("deploy/grafana/dashboards"))) {
            for (var file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                collectTargets(new ObjectMapper().readTree(file.toFile()).get("panels"), out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void collectTargets(JsonNode panels, List<String> out) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.get("expr").asText());
            }
            collectTargets(panel.path("panels"), out);
        }
    }

    /** Every rule's expr in deploy/prometheus/alerts.yml. */
    static List<String> alertRules() {
        List<String> out = new ArrayList<>();
        try {
            JsonNode rules = new YAMLMapper().readTree(DeployFiles.path("deploy/prometheus/alerts.yml").toFile());
            for (JsonNode group : rules.get("groups")) {
                for (JsonNode rule : group.get("rules")) {
                    out.add(rule.get("expr").asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A Grafana query as plain PromQL: its range variables become a fixed range. */
    static String promql(String grafanaExpr) {
        return grafanaExpr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h");
    }

    /** The metric names {@code expr} reads. */
    static Set<String> metricNames(String expr) {
        String s = STRINGS.matcher(promql(expr)).replaceAll("");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGES.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            if (m.group(2) == null && !KEYWORDS.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                names.add(m.group(1));
            }
        }
        return names;
    }
}
