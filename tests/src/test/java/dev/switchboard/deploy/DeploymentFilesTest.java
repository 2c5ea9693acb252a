package dev.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.support.ProjectFiles;
import dev.switchboard.testkit.Http;
import dev.switchboard.testkit.LoopbackPorts;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What of the container packaging can be checked without a container runtime: the Dockerfile's shape (stages,
 * non-root user, exec-form entry point, heap settings, health check) and its command run on this host as the
 * image would run it; the compose file against the nginx, Prometheus and Grafana files it mounts (service names,
 * ports, paths) and against the options the README documents.
 */
class DeploymentFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern README_ENV = Pattern.compile("^\\| `[^|]*` \\| `([A-Z_]+)` \\|", Pattern.MULTILINE);

    /** One instruction of the Dockerfile, continuation lines joined. */
    record Instruction(String keyword, String args) {
    }

    static List<Instruction> dockerfile() {
        List<Instruction> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : DeployFiles.read("Dockerfile").split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            pending.append(trimmed);
            String[] parts = pending.toString().strip().split("\\s+", 2);
            out.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1].strip() : ""));
            pending.setLength(0);
        }
        return out;
    }

    /** The instructions of the last stage: what the image is. */
    static List<Instruction> runtimeStage() {
        List<Instruction> all = dockerfile();
        int last = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).keyword().equals("FROM")) {
                last = i;
            }
        }
        return all.subList(last, all.size());
    }

    static Instruction only(List<Instruction> stage, String keyword) {
        List<Instruction> found = stage.stream().filter(i -> i.keyword().equals(keyword)).toList();
        assertThat(found).as(keyword + " in the runtime stage").hasSize(1);
        return found.get(0);
    }

    /** The runtime stage's ENV, {@code ENV A="x y" B=z}. */
    static Map<String, String> env(List<Instruction> stage) {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher("");
        for (Instruction i : stage) {
            if (i.keyword().equals("ENV")) {
                m.reset(i.args());
                while (m.find()) {
                    env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                }
            }
        }
        return env;
    }

    @Test
    void theImageIsBuiltInOneStageAndRunsOnAJreAsANonRootUser() throws IOException {
        List<Instruction> all = dockerfile();
        List<Instruction> froms = all.stream().filter(i -> i.keyword().equals("FROM")).toList();
        assertThat(froms).hasSizeGreaterThanOrEqualTo(2);
        assertThat(froms.get(0).args()).contains("maven").endsWith(" AS build");
        List<Instruction> runtime = runtimeStage();
        assertThat(runtime.get(0).args()).contains("jre");
        assertThat(all).anySatisfy(i -> assertThat(i.args()).contains("mvn ").contains("package"));

        // the jar the build stage makes is the one the cli module's shade plugin writes, and the one the entry runs
        Instruction copy = runtime.stream().filter(i -> i.keyword().equals("COPY") && i.args().startsWith("--from=build"))
                .findFirst().orElseThrow();
        String[] paths = copy.args().split("\\s+");
        assertThat(paths[1]).isEqualTo("/src/target/switchboard.jar");
        assertThat(Files.readString(ProjectFiles.root().resolve("cli/pom.xml")))
                .contains("<outputFile>${project.basedir}/../target/switchboard.jar</outputFile>");
        assertThat(all).anySatisfy(i -> assertThat(i).isEqualTo(new Instruction("WORKDIR", "/src")));

        String user = only(runtime, "USER").args();
        assertThat(user).isNotIn("root", "0", "0:0");
        assertThat(runtime.indexOf(only(runtime, "USER"))).isLessThan(runtime.indexOf(only(runtime, "ENTRYPOINT")));

        JsonNode entry = JSON.readTree(only(runtime, "ENTRYPOINT").args());
        assertThat(entry.isArray()).as("exec form: java is PID 1 and receives SIGTERM").isTrue();
        assertThat(entry.get(0).asText()).isEqualTo("java");
        assertThat(entry.toString()).contains("\"-jar\",\"" + paths[2] + "\"");
        assertThat(JSON.readTree(only(runtime, "CMD").args()).get(0).asText()).isEqualTo("serve");

        assertThat(env(runtime).get("JAVA_TOOL_OPTIONS"))
                .contains("-XX:MaxRAMPercentage=").contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(only(runtime, "HEALTHCHECK").args()).contains("/ready");
        assertThat(Files.readString(ProjectFiles.root().resolve(".dockerignore")).lines().toList())
                .contains("**/target", "**/node_modules", ".git");
    }

    /**
     * The image's command on this host: ENTRYPOINT and CMD with the image's environment (the jar at its place in
     * the repository, free ports instead of 8080 and 50051). The JVM takes the heap options, the HEALTHCHECK's
     * command passes against it, and SIGTERM — sent to java itself, as the runtime does to PID 1 — drains it.
     */
    @Test
    void theImagesCommandServesAndItsHealthCheckPasses() throws Exception {
        List<Instruction> runtime = runtimeStage();
        List<String> command = new ArrayList<>();
        JSON.readTree(only(runtime, "ENTRYPOINT").args()).forEach(n -> command.add(n.asText()));
        JSON.readTree(only(runtime, "CMD").args()).forEach(n -> command.add(n.asText()));
        command.set(command.indexOf("-jar") + 1, ProjectFiles.root().resolve("target/switchboard.jar").toString());
        command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());

        Map<String, String> env = new HashMap<>(env(runtime));
        int port = LoopbackPorts.candidate();
        env.put("PORT", Integer.toString(port));
        env.put("SWITCHBOARD_GRPC_PORT", Integer.toString(LoopbackPorts.candidate()));
        env.put("SWITCHBOARD_HOST", "127.0.0.1");
        File log = File.createTempFile("switchboard-image-command", ".log");
        log.deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
        pb.environment().putAll(env);
        Process node = pb.start();
        try {
            // the node is started once it says so (/ready answers as soon as the HTTP port listens)
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !node.isAlive()
                    || Files.readString(log.toPath()).contains(" ready on port " + port + "\""));
            assertThat(node.isAlive()).as(Files.readString(log.toPath())).isTrue();
            String output = Files.readString(log.toPath());
            assertThat(output).contains("Picked up JAVA_TOOL_OPTIONS: " + env.get("JAVA_TOOL_OPTIONS"));
            assertThat(output).contains("\"formattedMessage\":\"listening on 127.0.0.1:" + port); // SWITCHBOARD_LOG_FORMAT=json

            String check = only(runtime, "HEALTHCHECK").args().replaceFirst("^(--\\S+\\s+)*CMD\\s+", "");
            ProcessBuilder probe = new ProcessBuilder("sh", "-c", check).redirectErrorStream(true);
            probe.environment().put("PORT", Integer.toString(port));
            Process p = probe.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ready(port)).isTrue();
            assertThat(p.exitValue()).as("the HEALTHCHECK command: " + check + "\n" + new String(p.getInputStream().readAllBytes()))
                    .isZero();

            node.destroy(); // SIGTERM
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(node.exitValue()).isEqualTo(143);
            assertThat(Files.readString(log.toPath())).contains("\"formattedMessage\":\"shutting down: ").contains("stopped\"");
        } finally {
            node.destroyForcibly();
        }
    }

    private static boolean ready(int port) {
        try {
            return Http.get(port, "/ready").statusCode() == 200;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    @Test
    void composeServicesAgreeWithNginxPrometheusAndGrafana() throws IOException {
        // SnakeYAML (under Jackson's YAML module) applies anchors and merge keys (<<: *node) as compose does
        JsonNode compose;
        try (var in = Files.newInputStream(DeployFiles.path("deploy/compose.yaml"))) {
            compose = JSON.valueToTree(new org.yaml.snakeyaml.Yaml().load(in));
        }
        JsonNode services = compose.get("services");
        Set<String> nodes = new TreeSet<>();
        services.fieldNames().forEachRemaining(name -> {
            if (services.get(name).path("build").has("dockerfile")) {
                nodes.add(name);
            }
        });
        assertThat(nodes).containsExactly("node1", "node2", "node3");
        assertThat(services.has("redis") && services.has("nginx") && services.has("prometheus") && services.has("grafana")).isTrue();

        Path deploy = DeployFiles.path("deploy");
        for (String node : nodes) {
            JsonNode s = services.get(node);
            assertThat(deploy.resolve(s.get("build").get("context").asText()).resolve(s.get("build").get("dockerfile").asText()))
                    .isRegularFile();
            JsonNode env = s.get("environment");
            assertThat(env.get("SWITCHBOARD_NODE_ID").asText()).isEqualTo(node);
            assertThat(env.get("SWITCHBOARD_REDIS").asText()).isEqualTo("redis://redis:6379");
            assertThat(env.get("SWITCHBOARD_TRUSTED_PROXIES").asText())
                    .isEqualTo(services.get("nginx").get("networks").get("switchboard").get("ipv4_address").asText());
            assertThat(duration(s.get("stop_grace_period").asText())).as("longer than the default drain")
                    .isGreaterThan(Duration.ofSeconds(10));
            assertThat(documentedEnvironment()).containsAll(names(env));
        }

        // nginx: its upstream servers are the nodes at their PORT, and it listens where its port mapping points
        String nginx = DeployFiles.read("deploy/nginx/switchboard.conf");
        List<String> upstream = new ArrayList<>();
        Matcher m = DeployFiles.NGINX_UPSTREAM.matcher(nginx);
        while (m.find()) {
            upstream.add(m.group(2) + ":" + m.group(3));
        }
        assertThat(upstream).containsExactlyElementsOf(
                nodes.stream().map(n -> n + ":" + services.get(n).get("environment").get("PORT").asText()).toList());
        Matcher listen = DeployFiles.NGINX_LISTEN.matcher(nginx);
        assertThat(listen.find()).isTrue();
        assertThat(services.get("nginx").get("ports").get(0).asText()).endsWith(":" + listen.group(2));
        assertMounted(services.get("nginx"), "./nginx/switchboard.conf", "/etc/nginx/conf.d/");

        // Prometheus scrapes every node's ops port and loads the rules mounted next to its configuration
        JsonNode prometheus = new YAMLMapper().readTree(DeployFiles.path("deploy/prometheus/prometheus.yml").toFile());
        List<String> targets = new ArrayList<>();
        prometheus.get("scrape_configs").get(0).get("static_configs").get(0).get("targets").forEach(t -> targets.add(t.asText()));
        assertThat(targets).containsExactlyElementsOf(nodes.stream()
                .map(n -> n + ":" + services.get(n).get("environment").get("SWITCHBOARD_OPS_PORT").asText()).toList());
        String configTarget = assertMounted(services.get("prometheus"), "./prometheus/prometheus.yml", "/etc/prometheus/");
        for (JsonNode rules : prometheus.get("rule_files")) {
            assertMounted(services.get("prometheus"), "./prometheus/" + rules.asText(),
                    Path.of(configTarget).getParent().resolve(rules.asText()).toString());
        }

        // Grafana reads Prometheus by its service name and port, and the dashboards from where they are mounted
        JsonNode datasource = new YAMLMapper()
                .readTree(DeployFiles.path("deploy/grafana/provisioning/datasources/prometheus.yml").toFile())
                .get("datasources").get(0);
        assertThat(datasource.get("url").asText()).isEqualTo("http://prometheus:"
                + services.get("prometheus").get("ports").get(0).asText().replaceFirst(".*:", ""));
        String dashboards = new YAMLMapper()
                .readTree(DeployFiles.path("deploy/grafana/provisioning/dashboards/switchboard.yml").toFile())
                .get("providers").get(0).get("options").get("path").asText();
        assertMounted(services.get("grafana"), "./grafana/dashboards", dashboards);
        assertMounted(services.get("grafana"), "./grafana/provisioning", "/etc/grafana/provisioning");
        try (var files = Files.list(DeployFiles.path("deploy/grafana/dashboards"))) {
            for (Path dashboard : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                for (JsonNode panel : JSON.readTree(dashboard.toFile()).get("panels")) {
                    if (panel.has("datasource")) {
                        assertThat(panel.get("datasource").get("uid").asText()).as(dashboard + ": " + panel.get("title"))
                                .isEqualTo(datasource.get("uid").asText());
                    }
                }
            }
        }
    }

    /** Asserts {@code service} mounts {@code source} (which exists under deploy/) at {@code target} (or in that folder); returns the target. */
    private static String assertMounted(JsonNode service, String source, String target) {
        assertThat(DeployFiles.path("deploy").resolve(source)).exists();
        for (JsonNode volume : service.get("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts[0].equals(source) && (parts[1].equals(target) || (target.endsWith("/") && parts[1].startsWith(target)))) {
                return parts[1];
            }
        }
        throw new AssertionError(source + " is not mounted at " + target + " in " + service);
    }

    /** The environment variables the README's configuration table documents. */
    private static Set<String> documentedEnvironment() throws IOException {
        Set<String> env = new TreeSet<>();
        Matcher m = README_ENV.matcher(Files.readString(ProjectFiles.root().resolve("README.md")));
        while (m.find()) {
            env.add(m.group(1));
        }
        assertThat(env).contains("PORT", "SWITCHBOARD_REDIS");
        return env;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Duration duration(String compose) {
        return Duration.parse("PT" + compose.toUpperCase());
    }
}
