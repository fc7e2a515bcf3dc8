package dev.mayfly.launcher.internal;

import dev.mayfly.exporter.Exporter;
import dev.mayfly.exporter.ExporterConfig;
import dev.mayfly.gateway.Gateway;
import dev.mayfly.gateway.GatewayConfig;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.streams.StreamsApp;
import dev.mayfly.streams.StreamsAppConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Validates raw configuration for the services a process runs, and builds them. Validation happens for every
 * service before any of them starts, so a bad key fails fast with one line.
 */
public final class ServiceConfigs {
    private ServiceConfigs() {
    }

    public static Service streams(Map<String, String> raw) {
        StreamsApp app = StreamsApp.create(StreamsAppConfig.from(raw));
        return Service.of("streams", app::start, app::isReady, app::close, server -> {
        });
    }

    public static Service exporter(Map<String, String> raw) {
        Exporter exporter = Exporter.create(ExporterConfig.from(raw));
        return Service.of("exporter", exporter::start, exporter::isReady, exporter::close, exporter::register);
    }

    public static Service gateway(Map<String, String> raw) {
        Gateway gateway = Gateway.create(GatewayConfig.from(raw));
        return Service.of("gateway", () -> {
        }, gateway::isReady, gateway::close, gateway::register);
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
        return ExporterConfig.SETTINGS;
    }

    public static List<Setting<?>> gatewaySettings() {
        return GatewayConfig.SETTINGS;
    }
}
