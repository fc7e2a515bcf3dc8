package dev.mayfly.schemas.config;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Validated configuration: every key must be one of the known {@link Setting}s (or start with one of the
 * pass-through prefixes, e.g. {@code kafka.} for Kafka client properties); an unknown or malformed key is
 * rejected with a {@link ConfigException} whose one-line message names it. Immutable.
 */
public final class Settings {
    private final Map<String, Setting<?>> known;
    private final Map<String, Object> values;
    private final Map<String, String> raw;

    private Settings(Map<String, Setting<?>> known, Map<String, Object> values, Map<String, String> raw) {
        this.known = known;
        this.values = values;
        this.raw = raw;
    }

    /** Parses {@code raw} against {@code known}; keys starting with one of {@code passThroughPrefixes} are kept as text. */
    public static Settings parse(Map<String, String> raw, Collection<Setting<?>> known, String... passThroughPrefixes) {
        Map<String, Setting<?>> byName = new LinkedHashMap<>();
        known.forEach(s -> byName.put(s.name(), s));
        Map<String, Object> values = new HashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            if (e.getKey() == null) {
                throw new ConfigException("config has a key that is null");
            }
            Setting<?> setting = byName.get(e.getKey());
            if (setting == null) {
                if (hasPrefix(e.getKey(), passThroughPrefixes)) {
                    if (e.getValue() == null) {
                        throw new ConfigException("config key '" + e.getKey() + "' has no value");
                    }
                    continue;
                }
                throw new ConfigException("unknown config key '" + e.getKey() + "'; known keys: " + String.join(", ", new TreeSet<>(byName.keySet())));
            }
            if (e.getValue() == null) {
                throw new ConfigException("config key '" + e.getKey() + "' has no value");
            }
            values.put(e.getKey(), setting.parse(e.getValue()));
        }
        for (Setting<?> s : byName.values()) {
            if (s.isRequired() && !values.containsKey(s.name())) {
                throw new ConfigException("config key '" + s.name() + "' is required: " + s.doc());
            }
        }
        return new Settings(byName, values, Map.copyOf(raw));
    }

    /**
     * Reads settings from environment variables: {@code PREFIX_SOME_KEY} is key {@code some.key} (lower case,
     * underscores become dots; a double underscore stands for a literal underscore).
     */
    public static Map<String, String> fromEnvironment(Map<String, String> env, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                String key = k.substring(prefix.length()).toLowerCase(Locale.ROOT).replace("__", "\u0000").replace('_', '.').replace('\u0000', '_');
                out.put(key, v);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        if (!known.containsKey(setting.name())) {
            throw new IllegalArgumentException("not a known setting: " + setting.name());
        }
        Object v = values.get(setting.name());
        return v != null ? (T) v : setting.defaultValue();
    }

    public boolean isSet(Setting<?> setting) {
        return values.containsKey(setting.name());
    }

    /** The raw keys under {@code prefix}, with the prefix removed (e.g. Kafka client overrides under {@code kafka.}). */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    private static boolean hasPrefix(String key, String[] prefixes) {
        for (String p : prefixes) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
