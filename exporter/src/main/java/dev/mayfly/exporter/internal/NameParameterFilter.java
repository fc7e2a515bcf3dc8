package dev.mayfly.exporter.internal;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The {@code ?name[]=...} filter: a family is included when one of the requested names is its family name or the
 * name of one of its samples ({@code foo}, {@code foo_total}, {@code foo_bucket}, ...), which is what the
 * Prometheus Java client's {@code MetricNameFilter} intends. Unlike that class in 1.10, a family whose name is
 * merely a prefix of a requested name is not included ({@code name[]=foo_max_1m} does not select {@code foo}).
 */
public final class NameParameterFilter implements Predicate<String> {
    private static final List<String> SAMPLE_SUFFIXES = List.of("", "_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info");
    private final Set<String> names;

    private NameParameterFilter(Set<String> names) {
        this.names = names;
    }

    /** The filter for the given {@code name[]} values; all families when there are none. */
    public static Predicate<String> of(List<String> names) {
        return names.isEmpty() ? n -> true : new NameParameterFilter(Set.copyOf(names));
    }

    @Override
    public boolean test(String familyName) {
        for (String suffix : SAMPLE_SUFFIXES) {
            if (names.contains(familyName + suffix)) {
                return true;
            }
        }
        return false;
    }
}
