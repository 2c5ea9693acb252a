package dev.switchboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.support.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's module table is the build: the same modules, and each depends on exactly the modules it lists. */
class ModulesTest {
    private static final Path ROOT = ProjectFiles.root();
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|.*\\| ([^|]*) \\|$", Pattern.MULTILINE);
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern OWN_DEPENDENCY = Pattern.compile(
            "<groupId>dev\\.switchboard</groupId>\\s*<artifactId>switchboard-([a-z]+)</artifactId>");

    @Test
    void theReadmeTableListsTheBuildsModulesAndTheirDependencies() throws IOException {
        Map<String, Set<String>> readme = readmeTable();
        List<String> built = matches(MODULE, Files.readString(ROOT.resolve("pom.xml")));
        assertThat(readme.keySet()).as("modules in the README's Architecture table").containsExactlyElementsOf(built);

        for (String module : built) {
            Set<String> declared = new TreeSet<>(matches(OWN_DEPENDENCY,
                    Files.readString(ROOT.resolve(module).resolve("pom.xml"))));
            declared.remove("parent"); // the build's shared settings, not a module
            Set<String> listed = readme.get(module).stream()
                    .filter(name -> built.contains(name) || name.equals("all of the above"))
                    .collect(Collectors.toCollection(TreeSet::new));
            if (listed.remove("all of the above")) {
                listed.addAll(built.subList(0, built.indexOf(module)));
                listed.removeIf(name -> name.startsWith("samples/"));
            }
            assertThat(declared).as("Switchboard modules %s depends on", module).isEqualTo(listed);
        }
    }

    private static Map<String, Set<String>> readmeTable() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String section = readme.substring(readme.indexOf("\n## Architecture"));
        section = section.substring(0, section.indexOf("\n## ", 1));
        Map<String, Set<String>> table = new LinkedHashMap<>();
        Matcher m = ROW.matcher(section);
        while (m.find()) {
            Set<String> dependsOn = Arrays.stream(m.group(2).split(",")).map(String::trim)
                    .map(name -> name.replaceAll("\\s*\\(.*\\)$", ""))
                    .collect(Collectors.toCollection(TreeSet::new));
            table.put(m.group(1), dependsOn);
        }
        return table;
    }

    private static List<String> matches(Pattern pattern, String text) {
        return pattern.matcher(text).results().map(r -> r.group(1)).toList();
    }
}
