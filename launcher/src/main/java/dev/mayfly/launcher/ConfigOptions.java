package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.ConfigSources;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Options every service command shares: where configuration comes from. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with configuration keys (see README: Configuration).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Sets one configuration key; repeatable. Overrides --config and MAYFLY_* variables.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--bind", paramLabel = "HOST", defaultValue = "0.0.0.0", description = "Address the HTTP port listens on (default: ${DEFAULT-VALUE}).")
    String bind;

    Map<String, String> load(Map<String, String> flags) {
        return ConfigSources.load(configFile, System.getenv(), sets, flags);
    }
}
