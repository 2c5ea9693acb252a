package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.SwitchboardConfig;
import dev.switchboard.config.NodeOptions;
import dev.switchboard.config.Option;
import java.io.IOException;
import java.nio.file.Files;
import dev.switchboard.support.ProjectFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where serve's option values come from: a flag, then the environment, then the configuration file, then the default. */
class OptionSourcesTest {
    @TempDir
    Path dir;

    private static List<Option<?>> fileOptions() {
        List<Option<?>> all = new ArrayList<>(ServeCommand.options());
        all.remove(AppOptions.CONFIG);
        return all;
    }

    private Path file(String yaml) throws IOException {
        Path f = dir.resolve("switchboard.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static Function<Option<?>, String> flags(Map<Option<?>, String> given) {
        return given::get;
    }

    @Test
    void aFlagWinsOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault() throws IOException {
        Path f = file("port: 7001\nmax-json-depth: 40\nping-interval: 5s\ncompression: true\n");
        OptionSources sources = OptionSources.of(flags(Map.of(NodeOptions.PORT, "7003")),
                Map.of("PORT", "7002", "SWITCHBOARD_MAX_JSON_DEPTH", "50"), f, fileOptions());
        SwitchboardConfig config = ServeCommand.config(sources);
        assertThat(config.port()).isEqualTo(7003);               // flag
        assertThat(config.maxJsonDepth()).isEqualTo(50);         // environment over file
        assertThat(config.pingInterval()).isEqualTo(Duration.ofSeconds(5)); // file
        assertThat(config.compression()).isTrue();               // file
        assertThat(config.maxOutboundBytes()).isEqualTo(NodeOptions.MAX_OUTBOUND_BYTES.defaultValue()); // default
    }

    /** YAML 1.1 would read off as false; a value is taken as written. */
    @Test
    void aFileValueIsTakenAsWritten() throws IOException {
        Path f = file("auth: off\ncluster-prefix: yes\nallowed-origins: 'https://a.example, https://b.example'\n");
        SwitchboardConfig config = ServeCommand.config(OptionSources.of(flags(Map.of()), Map.of(), f, fileOptions()));
        assertThat(config.get(NodeOptions.AUTH)).isEqualTo("off");
        assertThat(config.clusterPrefix()).isEqualTo("yes");
        assertThat(config.originPolicy().allows("https://b.example")).isTrue();
    }

    @Test
    void aRefusedValueNamesTheOptionAndWhereItCameFrom() throws IOException {
        Path f = file("max-json-depth: 1\n");
        assertThatThrownBy(() -> ServeCommand.config(OptionSources.of(flags(Map.of()), Map.of(), f, fileOptions())))
                .hasMessage("--max-json-depth (from " + f + "): '1' is not allowed; it takes a whole number from 2 to 1000");
        assertThatThrownBy(() -> ServeCommand.config(OptionSources.of(flags(Map.of()),
                Map.of("SWITCHBOARD_MAX_JSON_DEPTH", "deep"), null, fileOptions())))
                .hasMessage("--max-json-depth (from SWITCHBOARD_MAX_JSON_DEPTH): 'deep' is not allowed; it takes a "
                        + "whole number from 2 to 1000");
    }

    @Test
    void aFileWithAnUnknownKeyOrANestedValueIsRefused() throws IOException {
        Path unknown = file("prot: 8080\n");
        assertThatThrownBy(() -> OptionSources.of(flags(Map.of()), Map.of(), unknown, fileOptions()))
                .hasMessage(unknown + ": unknown option 'prot' (keys are the options' names without --)");
        Path nested = file("redis:\n  uri: redis://127.0.0.1\n");
        assertThatThrownBy(() -> OptionSources.of(flags(Map.of()), Map.of(), nested, fileOptions()))
                .hasMessage(nested + ": redis must be a single value");
        Path notYaml = file("port: 'unclosed\n");
        assertThatThrownBy(() -> OptionSources.of(flags(Map.of()), Map.of(), notYaml, fileOptions()))
                .hasMessageStartingWith(notYaml + ": cannot read it as YAML");
    }

    /** The example in the repository lists every option, and its values, uncommented, are the defaults. */
    @Test
    void theExampleFileListsEveryOptionWithItsDefault() throws IOException {
        String example = Files.readString(ProjectFiles.root().resolve("switchboard.example.yaml"));
        Matcher set = Pattern.compile("(?m)^# ([a-z-]+): (\\S.*)$").matcher(example);
        StringBuilder uncommented = new StringBuilder();
        List<String> listed = new ArrayList<>();
        while (set.find()) {
            listed.add(set.group(1));
            if (!set.group(2).startsWith("(")) { // "(generated)", "(none)": no value to set
                uncommented.append(set.group(1)).append(": ").append(set.group(2)).append('\n');
            }
        }
        for (Option<?> option : fileOptions()) {
            assertThat(listed).as("the example lists %s", option.name()).contains(option.name());
        }
        Path f = file(uncommented.toString().replace("redis: redis://127.0.0.1:6379\n", "")
                .replace("node-id: a\n", ""));
        SwitchboardConfig fromExample = ServeCommand.config(OptionSources.of(flags(Map.of()), Map.of(), f, fileOptions()));
        SwitchboardConfig defaults = SwitchboardConfig.defaults();
        for (Option<?> option : NodeOptions.ALL) {
            assertThat((Object) fromExample.get(option)).as(option.name()).isEqualTo(defaults.get(option));
        }
    }
}
