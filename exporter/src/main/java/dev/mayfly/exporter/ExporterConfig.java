package dev.mayfly.exporter;

import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The exporter's configuration: its own settings plus {@link CommonSettings#ALL}; {@code kafka.*} keys pass to the consumer. */
public final class ExporterConfig {
    public static final Setting<String> PARTITIONS = Setting.string("exporter.partitions", "",
            "Partitions of the aggregates topic this exporter serves, comma-separated (e.g. 0,2,4); empty means all");
    public static final Setting<Boolean> JVM_METRICS = Setting.bool("exporter.jvm.metrics", true,
            "Serve the exporter's own JVM metrics (jvm_*, process_*) on /metrics");

    public static final Setting<String> ENGINE_LAG_GROUP = Setting.string("exporter.engine.lag.group", "mayfly-streams",
            "Consumer group (application.id) of the streams engine whose lag on the events topic /metrics shows; empty: not measured");
    public static final Setting<Duration> ENGINE_LAG_INTERVAL = Setting.duration("exporter.engine.lag.interval", Duration.ofSeconds(5),
            "How often the engine's lag (mayfly_engine_lag_events, mayfly_engine_lag_seconds) is measured");

    public static final List<Setting<?>> SETTINGS;

    static {
        List<Setting<?>> all = new ArrayList<>(List.of(PARTITIONS, JVM_METRICS, ENGINE_LAG_GROUP, ENGINE_LAG_INTERVAL));
        all.addAll(CommonSettings.ALL);
        SETTINGS = List.copyOf(all);
    }

    private final Settings settings;
    private final List<Integer> partitions;

    private ExporterConfig(Settings settings) {
        this.settings = settings;
        this.partitions = parsePartitions(settings.get(PARTITIONS));
    }

    /** Parses and validates {@code raw}; throws {@link ConfigException} naming the first bad key. */
    public static ExporterConfig from(Map<String, String> raw) {
        ExporterConfig config = new ExporterConfig(Settings.parse(raw, SETTINGS, CommonSettings.KAFKA_PREFIX));
        if (config.settings.get(ENGINE_LAG_INTERVAL).isZero()) {
            throw new ConfigException("config key '" + ENGINE_LAG_INTERVAL.name() + "' must be positive");
        }
        return config;
    }

    Settings settings() {
        return settings;
    }

    /** The partitions to serve, ascending; empty means all. */
    List<Integer> partitions() {
        return partitions;
    }

    private static List<Integer> parsePartitions(String text) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                int n = Integer.parseInt(p);
                if (n < 0) {
                    throw new NumberFormatException();
                }
                out.add(n);
            } catch (NumberFormatException e) {
                throw new ConfigException("config key '" + PARTITIONS.name() + "' must be a comma-separated list of partition numbers, got '" + text + "'");
            }
        }
        return List.copyOf(out);
    }
}
