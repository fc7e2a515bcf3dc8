package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.HttpSettings;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.topics.TimeArgument;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of the commands that read a range of a topic by record timestamp ({@code mayfly events}, {@code mayfly replay}): the
 * cluster, the configuration, and {@code --from}/{@code --to}.
 */
final class RangeOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers (or config key bootstrap.servers).")
    String bootstrapServers;

    @Mixin
    ConfigFileOptions config;

    @Option(names = "--from", paramLabel = "TIME", description = "First record timestamp: an ISO-8601 instant or a duration ago (30m, 2h, 7d). Default: the topic's start.")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "End (excluded), same forms as --from. Default: the end of the topic when the command starts.")
    String to;

    /** The bounds the flags give (null when absent), durations counted back from {@code now}; --from before --to. */
    Instant[] times(Instant now) {
        Instant fromTime = TimeArgument.parse("--from", from, now);
        Instant toTime = TimeArgument.parse("--to", to, now);
        if (fromTime != null && toTime != null && !fromTime.isBefore(toTime)) {
            throw new ConfigException("--from (" + fromTime + ") must be before --to (" + toTime + ")");
        }
        return new Instant[]{fromTime, toTime};
    }

    /**
     * The common settings (cluster, topic names, registry, {@code kafka.*}). Every service's keys are accepted, so
     * one file can configure a whole deployment; an unknown key is a {@link ConfigException}.
     */
    Settings settings() {
        return Settings.parse(ServiceConfigs.sliceFor(raw(), CommonSettings.ALL), CommonSettings.ALL, CommonSettings.KAFKA_PREFIX);
    }

    /** Every key the sources give (flags first), any service's; an unknown key is a {@link ConfigException}. */
    Map<String, String> raw() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(CommonSettings.BOOTSTRAP_SERVERS.name(), bootstrapServers);
        Map<String, String> raw = config.load(flags);
        ServiceConfigs.rejectUnknown(raw, List.of(ServiceConfigs.streamsSettings(), ServiceConfigs.exporterSettings(),
                ServiceConfigs.gatewaySettings(), HttpSettings.ALL));
        return raw;
    }
}
