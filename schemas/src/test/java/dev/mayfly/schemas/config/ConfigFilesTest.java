package dev.mayfly.schemas.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigFilesTest {
    @TempDir
    Path dir;

    @Test
    void aMissingFileIsNamedOnceWithTheReason() {
        Path absent = dir.resolve("absent.properties");
        IOException e = null;
        try {
            Files.readString(absent);
        } catch (IOException caught) {
            e = caught;
        }
        assertThat(ConfigFiles.unreadable("config file", absent, e).getMessage())
                .isEqualTo("cannot read config file " + absent + ": it does not exist");
    }
}
