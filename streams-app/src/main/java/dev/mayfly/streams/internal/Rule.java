package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One aggregation rule: which metric names it matches and how their series aggregate. Immutable.
 *
 * @param pattern      matches the stored metric name (counters without {@code _total})
 * @param aggregation  gauge aggregation; null means LAST (counters and histograms always SUM)
 * @param allow        aggregations a pusher may ask for per point; anything else falls back to {@code aggregation}
 * @param by           when not null, the only labels kept (plus {@code job}, which is always kept)
 * @param without      when not null, the labels dropped ({@code job} cannot be dropped)
 * @param ttl          idle time after which a series expires; null means the configured default
 * @param window       tumbling window size; null means no windowed series
 * @param windowText   the window as written (e.g. {@code 1m}), used in windowed series names
 * @param windowStats  statistics published for each closed window
 */
public record Rule(String source, Pattern pattern, Aggregation aggregation, Set<Aggregation> allow, List<String> by,
                   List<String> without, Duration ttl, Duration window, String windowText, Set<WindowStat> windowStats) {

    /** The rule of names no configured rule matches. */
    public static final Rule DEFAULT = new Rule("(default)", Pattern.compile(".*"), null, EnumSet.noneOf(Aggregation.class),
            null, null, null, null, null, EnumSet.noneOf(WindowStat.class));

    /** The statistics of a closed window. */
    public enum WindowStat {
        SUM, MAX, MIN, AVG;

        String suffix() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The aggregation of a point of {@code type} that asks for {@code requested} (may be null). */
    public Aggregation aggregationFor(MetricType type, Aggregation requested) {
        if (type != MetricType.GAUGE) {
            return Aggregation.SUM;
        }
        if (requested != null && allow.contains(requested)) {
            return requested;
        }
        return aggregation == null ? Aggregation.LAST : aggregation;
    }

    /** Whether the label {@code name} survives this rule's by/without. */
    public boolean keeps(String name) {
        if (name.equals("job")) {
            return true;
        }
        if (by != null) {
            return by.contains(name);
        }
        return without == null || !without.contains(name);
    }

    public boolean hasLabelFilter() {
        return by != null || without != null;
    }
}
