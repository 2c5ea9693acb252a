package dev.switchboard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The shape the README's Architecture section promises, checked on the compiled classes. */
class ArchitectureTest {
    private static final String ROOT = "dev.switchboard";
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
    private static final List<String> DIALECTS = List.of("ywebrtc", "namedpeer", "rendezvous", "radix");

    @Test
    void coreKnowsNoTransportNoDialectNoLibrary() {
        noClasses().that().resideInAPackage("dev.switchboard.core..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.netty..", "com.fasterxml..", "io.micrometer..", "io.lettuce..", "io.grpc..",
                        "dev.switchboard.transport..", "dev.switchboard.dialect..", "dev.switchboard.ops..",
                        "dev.switchboard.app..", "dev.switchboard.cluster..", "dev.switchboard.grpc..")
                .check(CLASSES);
    }

    @Test
    void dialectsKnowNoTransportAndNoBus() {
        noClasses().that().resideInAPackage("dev.switchboard.dialect..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.netty..", "dev.switchboard.transport..", "dev.switchboard.core.bus..",
                        "dev.switchboard.app..", "dev.switchboard.cluster..")
                .check(CLASSES);
    }

    @Test
    void everyDialectIsIndependentOfEveryOther() {
        for (String dialect : DIALECTS) {
            List<String> others = new ArrayList<>();
            for (String other : DIALECTS) {
                if (!other.equals(dialect)) {
                    others.add("dev.switchboard.dialect." + other + "..");
                }
            }
            noClasses().that().resideInAPackage("dev.switchboard.dialect." + dialect + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others.toArray(String[]::new))
                    .check(CLASSES);
        }
    }

    @Test
    void transportKnowsNoDialectImplementationNoBusNoCommandLine() {
        List<String> forbidden = new ArrayList<>(List.of("dev.switchboard.core.bus..", "dev.switchboard.app..",
                "dev.switchboard.cluster..", "dev.switchboard.grpc.."));
        DIALECTS.forEach(d -> forbidden.add("dev.switchboard.dialect." + d + ".."));
        noClasses().that().resideInAPackage("dev.switchboard.transport..")
                .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                .check(CLASSES);
    }

    /**
     * The server module knows only its own SPIs: the Redis bus, the gRPC service, the command line, the load
     * generator and the test kit plug into it (or use it), never the other way round.
     */
    @Test
    void serverKnowsNoModuleThatPlugsIntoIt() {
        noClasses().that().resideInAnyPackage("dev.switchboard", "dev.switchboard.config..",
                        "dev.switchboard.core..", "dev.switchboard.dialect..", "dev.switchboard.transport..",
                        "dev.switchboard.metrics..", "dev.switchboard.ops..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.switchboard.cluster..",
                        "dev.switchboard.grpc..", "dev.switchboard.app..", "dev.switchboard.bench..",
                        "dev.switchboard.testkit..", "io.lettuce..", "io.grpc..", "picocli..", "ch.qos.logback..")
                .check(CLASSES);
    }

    /** The load generator is a client: it knows nothing of the server, so it measures only what a client sees. */
    @Test
    void loadGeneratorKnowsNoServerCode() {
        noClasses().that().resideInAPackage("dev.switchboard.bench..")
                .should().dependOnClassesThat().resideOutsideOfPackages("dev.switchboard.bench..", "java..", "javax..",
                        "io.netty..", "com.fasterxml..", "org.HdrHistogram..", "com.sun.management..",
                        // the grpc dialect's client: grpc-java's own API, not the server's generated classes
                        "io.grpc..")
                .check(CLASSES);
    }

    /** An {@code internal} package is its parent's implementation: nobody else reaches into it. */
    @Test
    void internalPackagesAreReachedOnlyFromTheirParent() {
        List<String> violations = new ArrayList<>();
        for (JavaClass c : CLASSES) {
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String target = d.getTargetClass().getPackageName();
                int at = target.indexOf(".internal");
                if (!target.startsWith(ROOT) || at < 0) {
                    continue;
                }
                String owner = target.substring(0, at);
                String from = c.getPackageName();
                if (!from.equals(owner) && !from.startsWith(owner + ".internal")) {
                    violations.add(c.getName() + " -> " + d.getTargetClass().getName());
                }
            }
        }
        assertThat(new TreeSet<>(violations)).as("reached into another package's internal").isEmpty();
    }

    /**
     * No cycle between packages, each {@code internal} package counted with its parent (they are one unit: the
     * parent's public face and its implementation).
     */
    @Test
    void packagesFormNoCycle() {
        Map<String, Set<String>> edges = new TreeMap<>();
        Map<String, String> example = new TreeMap<>();
        for (JavaClass c : CLASSES) {
            String from = unit(c.getPackageName());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String toPackage = d.getTargetClass().getPackageName();
                if (!toPackage.startsWith(ROOT)) {
                    continue;
                }
                String to = unit(toPackage);
                if (!to.equals(from) && edges.computeIfAbsent(from, k -> new TreeSet<>()).add(to)) {
                    example.put(from + " -> " + to, c.getName() + " -> " + d.getTargetClass().getName());
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String start : edges.keySet()) {
            List<String> path = new ArrayList<>(List.of(start));
            findCycle(start, start, edges, path, new TreeSet<>(), cycles, example);
        }
        assertThat(cycles).as("package cycles").isEmpty();
    }

    private static void findCycle(String start, String at, Map<String, Set<String>> edges, List<String> path,
                                  Set<String> seen, List<String> cycles, Map<String, String> example) {
        for (String next : edges.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                // reported once, from its smallest package
                if (path.stream().allMatch(p -> p.compareTo(start) >= 0)) {
                    List<String> steps = new ArrayList<>();
                    for (int i = 0; i < path.size(); i++) {
                        String to = i + 1 < path.size() ? path.get(i + 1) : start;
                        steps.add(example.get(path.get(i) + " -> " + to));
                    }
                    cycles.add(String.join(" -> ", path) + " -> " + start + "  e.g. " + steps);
                }
            } else if (seen.add(next)) {
                path.add(next);
                findCycle(start, next, edges, path, seen, cycles, example);
                path.remove(path.size() - 1);
            }
        }
    }

    private static String unit(String pkg) {
        int at = pkg.indexOf(".internal");
        return at < 0 ? pkg : pkg.substring(0, at);
    }
}
