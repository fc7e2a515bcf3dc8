package dev.mayfly.launcher.internal;

import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Builds one service's raw configuration from, in increasing precedence: a properties file, {@code MAYFLY_*}
 * environment variables, {@code --set key=value} flags, and the dedicated flags of the command.
 * Validation (unknown keys, malformed values) is the service config class's job.
 */
public final class ConfigSources {
    public static final String ENV_PREFIX = "MAYFLY_";

    private ConfigSources() {
    }

    public static Map<String, String> load(Path configFile, Map<String, String> env, Map<String, String> sets,
                                           Map<String, String> flags) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (configFile != null) {
            raw.putAll(readProperties(configFile));
        }
        raw.putAll(Settings.fromEnvironment(env, ENV_PREFIX));
        raw.remove("java.opts");
        raw.putAll(sets);
        flags.forEach((k, v) -> {
            if (v != null) {
                raw.put(k, v);
            }
        });
        return raw;
    }

    private static Map<String, String> readProperties(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
        return out;
    }
}
