package dev.mayfly.launcher.internal;

import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Secrets;
import dev.mayfly.schemas.config.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** The settings a process runs with, as shown to people (the status page): every key with its value, secrets masked. */
public final class SettingsInForce {
    private SettingsInForce() {
    }

    /** Every setting of {@code known} with its configured value or its default, and the pass-through keys of {@code raw}. */
    public static SortedMap<String, String> of(Map<String, String> raw, List<List<Setting<?>>> known) {
        SortedMap<String, String> out = new TreeMap<>();
        for (List<Setting<?>> settings : known) {
            for (Setting<?> s : settings) {
                String value = raw.containsKey(s.name()) ? raw.get(s.name()) : s.isRequired() ? "(required)" : render(s.defaultValue());
                out.put(s.name(), Secrets.shown(s.name(), value));
            }
        }
        raw.forEach((k, v) -> {
            if (k.startsWith(CommonSettings.KAFKA_PREFIX)) {
                out.put(k, Secrets.shown(k, v));
            }
        });
        return out;
    }

    /** A default value as the documentation writes it: durations as {@code 7d}, {@code 30s}; empty as {@code (empty)}. */
    public static String render(Object value) {
        if (value instanceof Duration d) {
            long ms = d.toMillis();
            if (ms % 86_400_000 == 0 && ms > 0) {
                return ms / 86_400_000 + "d";
            }
            if (ms % 3_600_000 == 0 && ms > 0) {
                return ms / 3_600_000 + "h";
            }
            if (ms % 60_000 == 0 && ms > 0) {
                return ms / 60_000 + "m";
            }
            if (ms % 1000 == 0) {
                return ms / 1000 + "s";
            }
            return ms + "ms";
        }
        String text = String.valueOf(value);
        return text.isEmpty() ? "(empty)" : text;
    }
}
