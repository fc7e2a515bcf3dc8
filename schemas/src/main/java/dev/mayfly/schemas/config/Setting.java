package dev.mayfly.schemas.config;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * One configuration key: its name, how its text is parsed, its default (null when required) and a one-line doc.
 * Immutable.
 */
public final class Setting<T> {
    private final String name;
    private final Function<String, T> parser;
    private final String expected;
    private final T defaultValue;
    private final String doc;
    private final boolean required;

    private Setting(String name, Function<String, T> parser, String expected, T defaultValue, String doc, boolean required) {
        this.name = Objects.requireNonNull(name);
        this.parser = parser;
        this.expected = expected;
        this.defaultValue = defaultValue;
        this.doc = doc;
        this.required = required;
    }

    private Setting(String name, Function<String, T> parser, String expected, T defaultValue, String doc) {
        this(name, parser, expected, defaultValue, doc, false);
    }

    /** The same setting, but one that must be given (it has no default). */
    public Setting<T> required() {
        return new Setting<>(name, parser, expected, null, doc, true);
    }

    public boolean isRequired() {
        return required;
    }

    public static Setting<String> string(String name, String defaultValue, String doc) {
        return new Setting<>(name, s -> s, "a string", defaultValue, doc);
    }

    public static Setting<Integer> integer(String name, Integer defaultValue, String doc) {
        return new Setting<>(name, Integer::parseInt, "an integer", defaultValue, doc);
    }

    public static Setting<Long> longValue(String name, Long defaultValue, String doc) {
        return new Setting<>(name, Long::parseLong, "an integer", defaultValue, doc);
    }

    public static Setting<Boolean> bool(String name, Boolean defaultValue, String doc) {
        return new Setting<>(name, Setting::parseBoolean, "true or false", defaultValue, doc);
    }

    /** A duration written as a number and a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 7d}. */
    public static Setting<Duration> duration(String name, Duration defaultValue, String doc) {
        return new Setting<>(name, Setting::parseDuration, "a duration such as 500ms, 30s, 5m, 24h", defaultValue, doc);
    }

    public String name() {
        return name;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    T parse(String text) {
        try {
            T value = parser.apply(text.trim());
            if (value == null) {
                throw new IllegalArgumentException();
            }
            return value;
        } catch (RuntimeException e) {
            throw new ConfigException("config key '" + name + "' must be " + expected + ", got '" + text + "'");
        }
    }

    private static Boolean parseBoolean(String s) {
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        return null;
    }

    public static Duration parseDuration(String s) {
        String t = s.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0 || i == t.length()) {
            throw new IllegalArgumentException("not a duration: " + s);
        }
        long n = Long.parseLong(t.substring(0, i));
        return switch (t.substring(i)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("not a duration: " + s);
        };
    }
}
