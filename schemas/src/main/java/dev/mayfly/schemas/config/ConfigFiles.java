package dev.mayfly.schemas.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** One-line messages for configuration files that cannot be read or parsed: the one home of their wording. */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /** {@code cannot read <what> <file>: it does not exist} (or the reason), never the file name twice. */
    public static ConfigException unreadable(String what, Path file, IOException e) {
        String reason;
        if (e instanceof NoSuchFileException) {
            reason = "it does not exist";
        } else if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else {
            reason = String.valueOf(e.getMessage()).replace(file.toString() + ": ", "").replace(file.toString(), "").strip();
            if (reason.isEmpty()) {
                reason = e.getClass().getSimpleName();
            }
        }
        return new ConfigException("cannot read " + what + " " + file + ": " + reason);
    }

    /** {@code <origin>: not valid YAML at line L, column C: <problem>}, on one line. */
    public static ConfigException invalidYaml(String origin, IOException e) {
        String problem = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        problem = String.valueOf(problem).lines().findFirst().orElse("").strip();
        JsonLocation at = e instanceof JsonProcessingException j ? j.getLocation() : null;
        String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new ConfigException(origin + ": not valid YAML" + where + ": " + problem);
    }
}
