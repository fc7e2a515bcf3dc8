package dev.mayfly.launcher.internal;

import dev.mayfly.producer.internal.ProducerSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.ConfigFiles;
import dev.mayfly.schemas.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Builds one service's raw configuration from, in increasing precedence: a properties file, {@code MAYFLY_*}
 * environment variables, {@code --set key=value} flags, and the dedicated flags of the command.
 * Validation (unknown keys, malformed values) is the service config class's job.
 */
public final class ConfigSources {
    private static final Logger log = LoggerFactory.getLogger(ConfigSources.class);
    public static final String ENV_PREFIX = "MAYFLY_";
    /**
     * Variables with the prefix that are not config keys: the launcher script's JVM options, and secrets the launcher
     * reads itself so that they never sit on a command line.
     */
    public static final Set<String> LAUNCHER_VARIABLES = Set.of("MAYFLY_JAVA_OPTS", "MAYFLY_TLS_KEYSTORE_PASSWORD");
    /**
     * Variables with the prefix that configure Mayfly's clients, not its services: the producer library's own keys
     * ({@code MAYFLY_JOB}, {@code MAYFLY_GATEWAY_URL}...) and the JavaScript client's examples' {@code MAYFLY_URL} and
     * {@code MAYFLY_TOKEN}. A shell that runs a function and a service alike sets them; the services leave them alone
     * (with one line saying so) rather than refuse to start. The keys both share (Kafka's, the registry's) apply to both.
     */
    public static final Set<String> CLIENT_VARIABLES = Stream.concat(
                    ProducerSettings.OWN.stream().map(s -> ENV_PREFIX + s.name().toUpperCase(Locale.ROOT).replace('.', '_')),
                    Stream.of("MAYFLY_URL", "MAYFLY_TOKEN"))
            .collect(Collectors.toUnmodifiableSet());

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
        Set<String> clientVariables = new TreeSet<>(configVariables.keySet());
        clientVariables.retainAll(CLIENT_VARIABLES);
        if (!clientVariables.isEmpty()) {
            log.info("Ignoring {}: variables of Mayfly's clients, not of its services", String.join(", ", clientVariables));
            configVariables.keySet().removeAll(clientVariables);
        }
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
            throw ConfigFiles.unreadable("config file", file, e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
        return out;
    }
}
