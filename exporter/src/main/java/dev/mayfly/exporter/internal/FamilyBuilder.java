package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Builds one fresh, immutable {@link MetricSnapshot} from the series stored under one metric name.
 *
 * <p>Contract:
 * <ul>
 *   <li>The family type is the type most of its series have (ties: COUNTER, GAUGE, HISTOGRAM, UNKNOWN in that
 *       order); series of another type are left out and counted as conflicting.</li>
 *   <li>Help and unit come from the most recently updated series of that type (ties: the smaller label part).
 *       A unit is only exposed when the name ends with {@code _<unit>} (OpenMetrics requires it).</li>
 *   <li>Counters are stored without {@code _total}; the writers add it. Counters and histograms carry their
 *       {@code created_time} as the created timestamp.</li>
 * </ul>
 */
public final class FamilyBuilder {
    private static final MetricType[] FAMILY_TYPES = {MetricType.COUNTER, MetricType.GAUGE, MetricType.HISTOGRAM, MetricType.UNKNOWN};

    private FamilyBuilder() {
    }

    /** A family snapshot (null when filtered out or empty) and the number of series left out because they conflict. */
    public record Built(MetricSnapshot snapshot, MetricType type, int conflictingSeries) {
    }

    /** The name the family is exposed under (and filtered by): counters lose a {@code _total} suffix. */
    public static String familyName(String metricName, MetricType type) {
        return type == MetricType.COUNTER && metricName.endsWith("_total")
                ? metricName.substring(0, metricName.length() - "_total".length())
                : metricName;
    }

    /** Builds the family of one series, throwing when the client model rejects it. */
    static void validate(String metricName, String labelPart, StoredSeries series) {
        build(metricName, Map.of(labelPart, series), n -> true);
    }

    /**
     * Builds the family of the series stored under {@code metricName}. {@code series} may change concurrently
     * (a concurrent map): each entry is read once.
     */
    public static Built build(String metricName, Map<String, StoredSeries> series, Predicate<String> includedNames) {
        MetricType type = majorityType(series);
        if (type == null) {
            return new Built(null, null, 0);
        }
        String name = familyName(metricName, type);
        if (!includedNames.test(name)) {
            return new Built(null, type, 0);
        }
        SeriesMetadata chosen = null;
        long chosenUpdated = Long.MIN_VALUE;
        String chosenLabels = null;
        int conflicting = 0;
        List<Map.Entry<String, StoredSeries>> members = new ArrayList<>(series.size());
        for (Map.Entry<String, StoredSeries> e : series.entrySet()) {
            StoredSeries s = e.getValue();
            if (s.metadata().type() != type) {
                conflicting++;
                continue;
            }
            members.add(e);
            if (chosen == null || s.updatedMillis() > chosenUpdated
                    || (s.updatedMillis() == chosenUpdated && e.getKey().compareTo(chosenLabels) < 0)) {
                chosen = s.metadata();
                chosenUpdated = s.updatedMillis();
                chosenLabels = e.getKey();
            }
        }
        members.sort(Map.Entry.comparingByKey()); // the snapshot sorts by labels again: nearly sorted input is cheap
        if (chosen == null) {
            return new Built(null, type, conflicting); // every series of the type went away while reading
        }
        MetricMetadata metadata = metadata(name, chosen);
        MetricSnapshot snapshot = switch (type) {
            case COUNTER -> counter(metadata, members);
            case GAUGE -> gauge(metadata, members);
            case HISTOGRAM -> histogram(metadata, members);
            case UNKNOWN -> unknown(metadata, members);
            case SUMMARY -> throw new IllegalStateException("summaries are never stored");
        };
        return new Built(snapshot, type, conflicting);
    }

    private static MetricType majorityType(Map<String, StoredSeries> series) {
        int[] counts = new int[MetricType.values().length];
        for (StoredSeries s : series.values()) {
            counts[s.metadata().type().ordinal()]++;
        }
        MetricType best = null;
        for (MetricType t : FAMILY_TYPES) {
            if (counts[t.ordinal()] > 0 && (best == null || counts[t.ordinal()] > counts[best.ordinal()])) {
                best = t;
            }
        }
        return best;
    }

    private static MetricMetadata metadata(String name, SeriesMetadata chosen) {
        String unit = chosen.unit();
        boolean unitFits = unit != null && name.endsWith("_" + unit);
        return new MetricMetadata(name, chosen.help(), unitFits ? new Unit(unit) : null);
    }

    private static CounterSnapshot counter(MetricMetadata metadata, List<Map.Entry<String, StoredSeries>> members) {
        LabelPart.Parser parser = new LabelPart.Parser();
        List<CounterDataPointSnapshot> points = new ArrayList<>(members.size());
        for (Map.Entry<String, StoredSeries> e : members) {
            ScalarSeries s = (ScalarSeries) e.getValue();
            points.add(new CounterDataPointSnapshot(s.value(), parser.parse(e.getKey()), null, s.createdMillis()));
        }
        return new CounterSnapshot(metadata, points);
    }

    private static GaugeSnapshot gauge(MetricMetadata metadata, List<Map.Entry<String, StoredSeries>> members) {
        LabelPart.Parser parser = new LabelPart.Parser();
        List<GaugeDataPointSnapshot> points = new ArrayList<>(members.size());
        for (Map.Entry<String, StoredSeries> e : members) {
            ScalarSeries s = (ScalarSeries) e.getValue();
            points.add(new GaugeDataPointSnapshot(s.value(), parser.parse(e.getKey()), null));
        }
        return new GaugeSnapshot(metadata, points);
    }

    private static UnknownSnapshot unknown(MetricMetadata metadata, List<Map.Entry<String, StoredSeries>> members) {
        LabelPart.Parser parser = new LabelPart.Parser();
        List<UnknownDataPointSnapshot> points = new ArrayList<>(members.size());
        for (Map.Entry<String, StoredSeries> e : members) {
            ScalarSeries s = (ScalarSeries) e.getValue();
            points.add(new UnknownDataPointSnapshot(s.value(), parser.parse(e.getKey()), null));
        }
        return new UnknownSnapshot(metadata, points);
    }

    private static HistogramSnapshot histogram(MetricMetadata metadata, List<Map.Entry<String, StoredSeries>> members) {
        LabelPart.Parser parser = new LabelPart.Parser();
        List<HistogramDataPointSnapshot> points = new ArrayList<>(members.size());
        for (Map.Entry<String, StoredSeries> e : members) {
            HistogramSeries s = (HistogramSeries) e.getValue();
            HistogramDataPointSnapshot.Builder b = HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(s.upperBounds(), s.bucketCounts()))
                    .labels(parser.parse(e.getKey()));
            b.sum(s.sum());
            b.createdTimestampMillis(s.createdMillis());
            points.add(b.build());
        }
        return new HistogramSnapshot(metadata, points);
    }
}
