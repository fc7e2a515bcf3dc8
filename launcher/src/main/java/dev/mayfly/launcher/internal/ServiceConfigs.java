package dev.mayfly.launcher.internal;

import dev.mayfly.exporter.Exporter;
import dev.mayfly.exporter.ExporterConfig;
import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.exporter.ServedTypesReader;
import dev.mayfly.gateway.Authenticator;
import dev.mayfly.gateway.Gateway;
import dev.mayfly.gateway.GatewayConfig;
import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.streams.StreamsApp;
import dev.mayfly.streams.StreamsAppConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Validates raw configuration for the services a process runs, and builds them. Validation happens when a factory
 * is called, for every service before any of them is built (building connects to Kafka), so a bad key fails fast with
 * one line.
 */
public final class ServiceConfigs {
    private static final String SCRAPE_AUTH_PREFIX = "scrape.auth.";
    /** Who may GET /metrics: {@code scrape.auth.basic.file}, {@code scrape.auth.token.file} (empty: anyone). */
    static final List<Setting<?>> SCRAPE_AUTH = Authenticator.settings(SCRAPE_AUTH_PREFIX);

    private ServiceConfigs() {
    }

    /** Validates the streams app's configuration now; the returned supplier builds the app (which connects to Kafka). */
    public static Supplier<Service> streams(Map<String, String> raw) {
        StreamsAppConfig config = StreamsAppConfig.from(raw);
        return () -> {
            StreamsApp app = StreamsApp.create(config);
            return Service.of("streams", app::start, app::isReady, app::isHealthy, app::close, List::of);
        };
    }

    /**
     * The exporter: {@code /metrics} and the status page {@code /} (showing {@code process}), both behind the scrape
     * authenticator ({@code scrape.auth.*} keys) when one is configured.
     */
    public static Supplier<Service> exporter(Map<String, String> raw, ProcessStatus process) {
        return exporter(raw, process, created -> {
        });
    }

    /** As {@link #exporter(Map, ProcessStatus)}, telling {@code created} the exporter once it exists (before it starts). */
    public static Supplier<Service> exporter(Map<String, String> raw, ProcessStatus process, Consumer<Exporter> created) {
        rejectUnknown(raw, List.of(ExporterConfig.SETTINGS, SCRAPE_AUTH));
        ExporterConfig config = ExporterConfig.from(sliceFor(raw, ExporterConfig.SETTINGS));
        Authenticator scrapeAuth = Authenticator.from(Settings.parse(sliceFor(raw, SCRAPE_AUTH), SCRAPE_AUTH, CommonSettings.KAFKA_PREFIX), SCRAPE_AUTH_PREFIX);
        return () -> {
            Exporter exporter = Exporter.create(config);
            created.accept(exporter);
            return Service.of("exporter", exporter::start, exporter::isReady, exporter::isHealthy, exporter::close,
                    () -> Stream.of(exporter.route(), exporter.statusRoute(process))
                            .map(r -> scrapeAuth.isEnabled() ? r.filtered(scrapeAuth.filter()) : r).toList());
        };
    }

    /**
     * A gateway run apart from the exporters: unless {@code push.served.types.check} is false, it reads the aggregates
     * topic itself to know the types /metrics serves (its readiness does not wait for that: until it has caught up,
     * pushes are checked against each other only).
     */
    public static Supplier<Service> gateway(Map<String, String> raw) {
        GatewayConfig config = GatewayConfig.from(raw);
        if (!config.settings().get(GatewayConfig.SERVED_TYPES_CHECK)) {
            return gateway(config, ServedTypes.NONE, null);
        }
        ExporterConfig readerConfig = ExporterConfig.from(sliceFor(raw, CommonSettings.ALL));
        return gateway(config, null, readerConfig);
    }

    /**
     * A gateway that refuses a push giving a metric name another type than {@code servedTypes} says it is served as
     * (none when {@code push.served.types.check} is false).
     */
    public static Supplier<Service> gateway(Map<String, String> raw, ServedTypes servedTypes) {
        GatewayConfig config = GatewayConfig.from(raw);
        boolean check = config.settings().get(GatewayConfig.SERVED_TYPES_CHECK);
        return gateway(config, check ? servedTypes : ServedTypes.NONE, null);
    }

    /** A gateway told the served types by {@code servedTypes}, or by a reader of its own made from {@code readerConfig}. */
    private static Supplier<Service> gateway(GatewayConfig config, ServedTypes servedTypes, ExporterConfig readerConfig) {
        return () -> {
            ServedTypesReader reader = readerConfig == null ? null : ServedTypesReader.create(readerConfig);
            ExporterServedTypes fromReader = new ExporterServedTypes();
            Gateway gateway = Gateway.create(config, reader == null ? servedTypes : fromReader);
            return Service.of("gateway", () -> {
                if (reader != null) {
                    fromReader.set(reader);
                    reader.start();
                }
            }, gateway::isReady, () -> reader == null || reader.isHealthy(), () -> {
                try {
                    gateway.close();
                } finally {
                    if (reader != null) {
                        reader.close();
                    }
                }
            }, gateway::routes);
        };
    }

    /**
     * For a process running several services from one configuration: rejects a key no service knows (one line naming
     * it), then returns the part of {@code raw} that {@code known} accepts (plus Kafka pass-through keys).
     */
    public static Map<String, String> sliceFor(Map<String, String> raw, List<Setting<?>> known) {
        Set<String> names = known.stream().map(Setting::name).collect(Collectors.toSet());
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (names.contains(k) || k.startsWith(CommonSettings.KAFKA_PREFIX)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Rejects a key that none of {@code knownLists} knows. */
    public static void rejectUnknown(Map<String, String> raw, List<List<Setting<?>>> knownLists) {
        Set<String> names = new TreeSet<>();
        knownLists.forEach(list -> list.forEach(s -> names.add(s.name())));
        for (String key : raw.keySet()) {
            if (!names.contains(key) && !key.startsWith(CommonSettings.KAFKA_PREFIX)) {
                throw new ConfigException("unknown config key '" + key + "'; known keys: " + String.join(", ", names));
            }
        }
    }

    public static List<Setting<?>> streamsSettings() {
        return StreamsAppConfig.SETTINGS;
    }

    public static List<Setting<?>> exporterSettings() {
        List<Setting<?>> all = new java.util.ArrayList<>(ExporterConfig.SETTINGS);
        all.addAll(SCRAPE_AUTH);
        return all;
    }

    public static List<Setting<?>> gatewaySettings() {
        return GatewayConfig.SETTINGS;
    }
}
