package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;
import java.util.stream.IntStream;

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
    /** Series per chunk of a family built in parallel. */
    private static final int CHUNK = 16_384;
    private static final boolean PARALLEL = Runtime.getRuntime().availableProcessors() > 1;

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
        // One pass over the map: every entry is read once, in the map's order (label part order for the store's
        // sorted maps, which is nearly the order the client sorts data points in, so its sort is cheap).
        int capacity = Math.max(series.size(), 1);
        String[] labelParts = new String[capacity];
        StoredSeries[] members = new StoredSeries[capacity];
        int[] counts = new int[MetricType.values().length];
        int n = 0;
        for (Map.Entry<String, StoredSeries> e : series.entrySet()) {
            if (n == labelParts.length) {
                labelParts = Arrays.copyOf(labelParts, n * 2);
                members = Arrays.copyOf(members, n * 2);
            }
            labelParts[n] = e.getKey();
            members[n] = e.getValue();
            counts[members[n].metadata().type().ordinal()]++;
            n++;
        }
        MetricType type = majorityType(counts);
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
        int kept = 0;
        for (int i = 0; i < n; i++) {
            StoredSeries s = members[i];
            if (s.metadata().type() != type) {
                continue;
            }
            labelParts[kept] = labelParts[i];
            members[kept] = s;
            kept++;
            if (chosen == null || s.updatedMillis() > chosenUpdated
                    || (s.updatedMillis() == chosenUpdated && labelParts[i].compareTo(chosenLabels) < 0)) {
                chosen = s.metadata();
                chosenUpdated = s.updatedMillis();
                chosenLabels = labelParts[i];
            }
        }
        int conflicting = n - kept;
        MetricMetadata metadata = metadata(name, chosen);
        MetricSnapshot snapshot = snapshot(type, metadata, dataPoints(type, labelParts, members, kept, true));
        return new Built(snapshot, type, conflicting);
    }

    /**
     * What a family will be, read in one pass over its series without building data points: its name, type and
     * metadata (chosen as {@link #build} chooses them), how many series it has and how many are left out.
     * {@link #writeChunks} then builds it chunk by chunk.
     */
    public record Plan(String metricName, String familyName, MetricType type, MetricMetadata metadata,
                       int seriesCount, int conflictingSeries, Map<String, StoredSeries> series) {
    }

    /** The plan of the family stored under {@code metricName}; null when it has no series or is filtered out (see {@link #build}). */
    static Plan plan(String metricName, Map<String, StoredSeries> series, Predicate<String> includedNames, int[] conflicting) {
        int types = MetricType.values().length;
        int[] counts = new int[types];
        SeriesMetadata[] chosen = new SeriesMetadata[types];
        long[] chosenUpdated = new long[types];
        String[] chosenLabels = new String[types];
        for (Map.Entry<String, StoredSeries> e : series.entrySet()) {
            StoredSeries s = e.getValue();
            int t = s.metadata().type().ordinal();
            counts[t]++;
            if (chosen[t] == null || s.updatedMillis() > chosenUpdated[t]
                    || (s.updatedMillis() == chosenUpdated[t] && e.getKey().compareTo(chosenLabels[t]) < 0)) {
                chosen[t] = s.metadata();
                chosenUpdated[t] = s.updatedMillis();
                chosenLabels[t] = e.getKey();
            }
        }
        MetricType type = majorityType(counts);
        if (type == null) {
            return null;
        }
        String name = familyName(metricName, type);
        if (!includedNames.test(name)) {
            return null;
        }
        int all = 0;
        for (int c : counts) {
            all += c;
        }
        int count = counts[type.ordinal()];
        conflicting[0] += all - count;
        return new Plan(metricName, name, type, metadata(name, chosen[type.ordinal()]), count, all - count, series);
    }

    /**
     * Builds the family of {@code plan} in snapshots of at most {@code chunkSize} series, in store order, and hands
     * them to {@code sink} in that order; the next chunk is built on another thread while {@code sink} handles the
     * current one. Series of another type than the plan's are skipped; series changed since planning are read as
     * they are now. A chunk is never empty.
     */
    static void writeChunks(Plan plan, int chunkSize, Consumer<MetricSnapshot> sink) {
        Iterator<Map.Entry<String, StoredSeries>> it = plan.series().entrySet().iterator();
        CompletableFuture<MetricSnapshot> pending = nextChunk(plan, it, chunkSize);
        while (pending != null) {
            CompletableFuture<MetricSnapshot> following = nextChunk(plan, it, chunkSize);
            MetricSnapshot chunk;
            try {
                chunk = pending.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            sink.accept(chunk);
            pending = following;
        }
    }

    private static CompletableFuture<MetricSnapshot> nextChunk(Plan plan, Iterator<Map.Entry<String, StoredSeries>> it, int chunkSize) {
        String[] labelParts = new String[chunkSize];
        StoredSeries[] members = new StoredSeries[chunkSize];
        int n = 0;
        while (n < chunkSize && it.hasNext()) {
            Map.Entry<String, StoredSeries> e = it.next();
            StoredSeries s = e.getValue();
            if (s.metadata().type() == plan.type()) {
                labelParts[n] = e.getKey();
                members[n] = s;
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        int size = n;
        return CompletableFuture.supplyAsync(() -> snapshot(plan.type(), plan.metadata(), dataPoints(plan.type(), labelParts, members, size, false)));
    }

    private static MetricSnapshot snapshot(MetricType type, MetricMetadata metadata, DataPointSnapshot[] points) {
        return switch (type) {
            case COUNTER -> new CounterSnapshot(metadata, asList(points));
            case GAUGE -> new GaugeSnapshot(metadata, asList(points));
            case HISTOGRAM -> new HistogramSnapshot(metadata, asList(points));
            case UNKNOWN -> new UnknownSnapshot(metadata, asList(points));
            case SUMMARY -> throw new IllegalStateException("summaries are never stored");
        };
    }

    @SuppressWarnings("unchecked")
    private static <T extends DataPointSnapshot> List<T> asList(DataPointSnapshot[] points) {
        return (List<T>) Arrays.asList(points);
    }

    /**
     * The data points of a family, in the order given. Large families are cut into chunks built in parallel (label
     * parsing and data point allocation are most of the work); each chunk has its own parser.
     */
    private static DataPointSnapshot[] dataPoints(MetricType type, String[] labelParts, StoredSeries[] members, int n, boolean parallel) {
        DataPointSnapshot[] points = new DataPointSnapshot[n];
        int chunks = (n + CHUNK - 1) / CHUNK;
        IntStream range = IntStream.range(0, chunks);
        if (parallel && chunks > 1 && PARALLEL) {
            range = range.parallel();
        }
        range.forEach(c -> {
            LabelPart.Parser parser = new LabelPart.Parser();
            for (int i = c * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) {
                points[i] = dataPoint(type, parser.parse(labelParts[i]), members[i]);
            }
        });
        return points;
    }

    private static DataPointSnapshot dataPoint(MetricType type, Labels labels, StoredSeries series) {
        return switch (type) {
            case COUNTER -> new CounterDataPointSnapshot(((ScalarSeries) series).value(), labels, null, series.createdMillis());
            case GAUGE -> new GaugeDataPointSnapshot(((ScalarSeries) series).value(), labels, null);
            case UNKNOWN -> new UnknownDataPointSnapshot(((ScalarSeries) series).value(), labels, null);
            case HISTOGRAM -> {
                HistogramSeries s = (HistogramSeries) series;
                HistogramSeries.NativeBuckets nb = s.nativeBuckets();
                if (nb != null) {
                    yield HistogramDataPointSnapshot.builder()
                            .nativeSchema(nb.schema())
                            .nativeZeroThreshold(nb.zeroThreshold())
                            .nativeZeroCount(nb.zeroCount())
                            .nativeBucketsForPositiveValues(nb.positive())
                            .nativeBucketsForNegativeValues(nb.negative())
                            .labels(labels)
                            .sum(s.sum())
                            .createdTimestampMillis(s.createdMillis())
                            .build();
                }
                yield HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(s.upperBounds(), s.bucketCounts()))
                        .labels(labels)
                        .sum(s.sum())
                        .createdTimestampMillis(s.createdMillis())
                        .build();
            }
            case SUMMARY -> throw new IllegalStateException("summaries are never stored");
        };
    }

    /** The family type from its series' counts by type ordinal: the most common (ties in {@link #FAMILY_TYPES} order), null when none. */
    static MetricType majorityType(int[] counts) {
        return majorityType(i -> counts[i]);
    }

    /** As {@link #majorityType(int[])}, the counts read through {@code countByOrdinal}. */
    static MetricType majorityType(IntUnaryOperator countByOrdinal) {
        MetricType best = null;
        int bestCount = 0;
        for (MetricType t : FAMILY_TYPES) {
            int count = countByOrdinal.applyAsInt(t.ordinal());
            if (count > bestCount) {
                best = t;
                bestCount = count;
            }
        }
        return best;
    }

    private static MetricMetadata metadata(String name, SeriesMetadata chosen) {
        String unit = chosen.unit();
        boolean unitFits = unit != null && name.endsWith("_" + unit);
        return new MetricMetadata(name, chosen.help(), unitFits ? new Unit(unit) : null);
    }
}
