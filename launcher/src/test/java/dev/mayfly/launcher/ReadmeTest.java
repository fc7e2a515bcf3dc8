package dev.mayfly.launcher;

import dev.mayfly.schemas.config.Setting;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration reference documents every key the services accept, and its two set-up commands exist. */
class ReadmeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void configurationReferenceNamesEveryKey() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<String> missing = new ArrayList<>();
        SettingsCommand.byService().values().forEach(settings -> {
            for (Setting<?> s : settings) {
                if (!readme.contains("`" + s.name() + "`")) {
                    missing.add(s.name());
                }
            }
        });
        assertThat(missing).as("keys missing from README.md (regenerate with ./mayfly settings --markdown)").isEmpty();
    }

    @Test
    void setUpCommandsExist() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertThat(readme).contains("./mayfly standalone").contains("bash .ci/run");
        assertThat(Files.isExecutable(ROOT.resolve("mayfly"))).isTrue();
        assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("mvn -B verify");
    }
}
