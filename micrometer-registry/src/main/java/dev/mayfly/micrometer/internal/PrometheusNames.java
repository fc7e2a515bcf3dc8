package dev.mayfly.micrometer.internal;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.NamingConvention;

/**
 * The names Micrometer's Prometheus registry ({@code micrometer-registry-prometheus}) gives meters and tags, so a
 * meter published through Mayfly has the name it would have if it were scraped: dots and other characters Prometheus
 * does not allow become {@code _}; counters, distribution summaries and gauges get their base unit as a suffix,
 * timers {@code _seconds}; the suffixes the exposition format adds ({@code _total}, {@code _created},
 * {@code _bucket}, {@code _info}) are stripped from the base name. A counter is exposed as the name plus
 * {@code _total} (see {@link #exposedCounterName}). Tag keys: the same character rule, without a leading
 * {@code __}. Stateless.
 */
public final class PrometheusNames implements NamingConvention {
    public static final PrometheusNames INSTANCE = new PrometheusNames();
    private static final String[] RESERVED_SUFFIXES = {"_total", "_created", "_bucket", "_info", ".total", ".created", ".bucket", ".info"};

    private PrometheusNames() {
    }

    @Override
    public String name(String name, Meter.Type type, String baseUnit) {
        String converted = escape(name);
        switch (type) {
            case COUNTER, DISTRIBUTION_SUMMARY, GAUGE -> {
                if (baseUnit != null && !converted.endsWith("_" + baseUnit)) {
                    converted += "_" + baseUnit;
                }
            }
            case TIMER, LONG_TASK_TIMER -> {
                if (!converted.endsWith("_seconds")) {
                    converted += "_seconds";
                }
            }
            default -> {
            }
        }
        return escape(stripReservedSuffixes(converted));
    }

    @Override
    public String tagKey(String key) {
        String converted = escape(key);
        while (converted.startsWith("__")) {
            converted = converted.substring(1);
        }
        return converted;
    }

    /** The name a counter family named {@code conventionName} is exposed under. */
    public static String exposedCounterName(String conventionName) {
        return conventionName + "_total";
    }

    /** Every character outside {@code [a-zA-Z_:]} (and digits, except first) replaced by {@code _}. */
    static String escape(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (c >= '0' && c <= '9' && i > 0);
            out.append(legal ? (char) c : '_');
            i += Character.charCount(c);
        }
        return out.toString();
    }

    private static String stripReservedSuffixes(String name) {
        String stripped = name;
        boolean again = true;
        while (again) {
            again = false;
            for (String suffix : RESERVED_SUFFIXES) {
                if (stripped.equals(suffix)) {
                    return suffix.substring(1);
                }
            }
            for (String suffix : RESERVED_SUFFIXES) {
                if (stripped.endsWith(suffix)) {
                    stripped = stripped.substring(0, stripped.length() - suffix.length());
                    again = true;
                    break;
                }
            }
        }
        return stripped;
    }
}
