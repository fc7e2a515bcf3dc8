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
import java.util.Set;

/**
 * Builds one service's raw configuration from, in increasing precedence: a properties file, {@code MAYFLY_*}
 * environment variables, {@code --set key=value} flags, and the dedicated flags of the command.
 * Validation (unknown keys, malformed values) is the service config class's job.
 */
public final class ConfigSources {
    public static final String ENV_PREFIX = "MAYFLY_";
    /**
     * Variables with the prefix that are not config keys: the launcher script's JVM options, and secrets the launcher
     * reads itself so that they never sit on a command line.
     */
    public static final Set<String> LAUNCHER_VARIABLES = Set.of("MAYFLY_JAVA_OPTS", "MAYFLY_TLS_KEYSTORE_PASSWORD");

    private ConfigSources() {
    }

    public static Map<String, String> load(Path configFile, Map<String, String> env, Map<String, String> sets,
                                           Map<String, String> flags) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (configFile != null) {
            raw.putAll(readProperties(configFile));
        }
        Map<String, String> configVariables = new LinkedHashMap<>(env);
        configVariables.keySet().removeAll(LAUNCHER_VARIABLES);
        raw.putAll(Settings.fromEnvironment(configVariables, ENV_PREFIX));
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
