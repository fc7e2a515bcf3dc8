package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.ConfigSources;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where configuration comes from: a properties file, {@code MAYFLY_*} variables and {@code --set} flags. */
final class ConfigFileOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with configuration keys (see README: Configuration).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Sets one configuration key; repeatable. Overrides --config and MAYFLY_* variables.")
    Map<String, String> sets = new LinkedHashMap<>();

    /** The raw configuration, {@code flags} (null values ignored) taking precedence over every other source. */
    Map<String, String> load(Map<String, String> flags) {
        return ConfigSources.load(configFile, System.getenv(), sets, flags);
    }
}
