package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.SeriesLabels;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects the points of one push, enforcing what every input format of the gateway shares: the reserved
 * {@code mayfly_} labels ({@code mayfly_aggregation} is stripped and sets the point's aggregation, others are
 * refused), no series twice (also once the grouping labels and the job override the points' own labels: see
 * {@link #refuseSeriesMergedByOverride}), at most {@link PushOptions#maxSeries()} series. Names, label values and limits, values
 * and histogram shapes are the shared {@link dev.mayfly.schemas.validation.MetricValidator}'s, applied to the batch.
 * Counters and histograms take the push's temporality and stream; gauges are levels and are always sent as DELTA
 * without a stream. Not thread-safe: one per push.
 */
public final class PointsBuilder {
    private final PushOptions options;
    private final List<MetricPoint> points = new ArrayList<>();
    private final Set<SeriesIdentity> seen = new HashSet<>();

    private final boolean refuseDuplicates;
    private boolean duplicates;

    /**
     * A series as it is stored: the name it is stored under (a counter without {@code _total}, so {@code x} and
     * {@code x_total} are one series), the type, the labels.
     */
    private record SeriesIdentity(String name, MetricType type, Map<String, String> labels) {
        static SeriesIdentity of(String name, MetricType type, Map<String, String> labels) {
            return new SeriesIdentity(MetricNames.storedName(name, type == MetricType.COUNTER), type, labels);
        }

        // written out: the generated ones go through method handles, a cost per point
        @Override
        public int hashCode() {
            return (31 * name.hashCode() + type.hashCode()) * 31 + labels.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SeriesIdentity other && name.equals(other.name) && type == other.type && labels.equals(other.labels);
        }
    }

    /** Points that refuse a series twice at once (400 {@code duplicate_series}). */
    public PointsBuilder(PushOptions options) {
        this(options, true);
    }

    private PointsBuilder(PushOptions options, boolean refuseDuplicates) {
        this.options = options;
        this.refuseDuplicates = refuseDuplicates;
    }

    /**
     * Points of a push accepted in part: a series twice is only noted ({@link #hasDuplicates}), so that the copy left
     * out can be chosen once every metric has been judged (a valid copy is kept beside an invalid one).
     */
    public static PointsBuilder notingDuplicates(PushOptions options) {
        return new PointsBuilder(options, false);
    }

    /** Whether a series came twice (only noted when made by {@link #notingDuplicates}). */
    public boolean hasDuplicates() {
        return duplicates;
    }

    /** The series {@code p} is a point of, as {@link #hasDuplicates} tells them apart: equal for two points of one series. */
    public static Object seriesOf(MetricPoint p) {
        return SeriesIdentity.of(p.getName(), p.getType(), p.getLabels());
    }

    public List<MetricPoint> points() {
        return points;
    }

    public PushOptions options() {
        return options;
    }

    /** How many points it holds: a mark to {@link #dropFrom}. */
    public int size() {
        return points.size();
    }

    /**
     * Takes back every point added since {@code mark} (a metric left out of a push accepted in part). Only for points
     * {@link #notingDuplicates}: the series they noted stay noted, so {@link #hasDuplicates} may say yes for a series
     * taken back, which only makes the push be judged metric by metric.
     */
    public void dropFrom(int mark) {
        if (refuseDuplicates) {
            throw new IllegalStateException("points that refuse duplicates are never taken back");
        }
        points.subList(mark, points.size()).clear();
    }

    public void counter(String name, String help, String unit, Map<String, String> labels, double value, Long startTimeMillis) {
        counter(name, help, unit, labels, value, options.temporality(), options.streamId(), startTimeMillis);
    }

    /** A counter whose temporality and stream are its own (OTLP: every point says). */
    public void counter(String name, String help, String unit, Map<String, String> labels, double value,
                        Temporality temporality, String streamId, Long startTimeMillis) {
        add(name, help, unit, MetricType.COUNTER, labels, value, null, null, temporality, streamId, startTimeMillis, null);
    }

    public void gauge(String name, String help, String unit, Map<String, String> labels, double value) {
        add(name, help, unit, MetricType.GAUGE, labels, value, null, null, Temporality.DELTA, null, null, null);
    }

    /** A gauge whose values are changes to be summed (an OTLP non-monotonic delta sum). */
    public void summedGaugeDelta(String name, String help, String unit, Map<String, String> labels, double value) {
        add(name, help, unit, MetricType.GAUGE, labels, value, null, null, Temporality.DELTA, null, null, Aggregation.SUM);
    }

    /** A histogram with per-bucket counts: one more than bounds, the last for {@code +Inf}. */
    public void histogram(String name, String help, String unit, Map<String, String> labels, List<Double> bounds,
                          List<Long> bucketCounts, double sum, long count, Long startTimeMillis) {
        histogram(name, help, unit, labels, bounds, bucketCounts, sum, count, options.temporality(), options.streamId(), startTimeMillis);
    }

    public void histogram(String name, String help, String unit, Map<String, String> labels, List<Double> bounds,
                          List<Long> bucketCounts, double sum, long count, Temporality temporality, String streamId, Long startTimeMillis) {
        HistogramValue h = new HistogramValue(bounds, bucketCounts, sum, count);
        add(name, help, unit, MetricType.HISTOGRAM, labels, 0.0, h, null, temporality, streamId, startTimeMillis, null);
    }

    /** A native histogram with the push's temporality and stream (Pushgateway API); its shape is the validator's. */
    public void nativeHistogram(String name, String help, String unit, Map<String, String> labels, NativeHistogramValue h,
                                Long startTimeMillis) {
        nativeHistogram(name, help, unit, labels, h, options.temporality(), options.streamId(), startTimeMillis);
    }

    /** A native (exponential) histogram whose temporality and stream are its own (OTLP); its shape is the validator's. */
    public void nativeHistogram(String name, String help, String unit, Map<String, String> labels, NativeHistogramValue h,
                                Temporality temporality, String streamId, Long startTimeMillis) {
        add(name, help, unit, MetricType.HISTOGRAM, labels, 0.0, null, h, temporality, streamId, startTimeMillis, null);
    }

    /**
     * Refuses a push in which two points land on ONE series once the series labels are built ({@link SeriesLabels}:
     * the grouping labels, {@code job}, {@code function} and {@code region} override a point's own labels of those
     * names), such as {@code m{job="a"} 1} and {@code m 2} pushed to {@code /metrics/job/b}: both are {@code m{job="b"}},
     * and summing or picking one of them would count what the client did not mean. Only a push whose points carry a
     * label of an overriding name is looked at twice; the others cost a few lookups per point.
     */
    public static void refuseSeriesMergedByOverride(MetricEventBatch batch) {
        Map<String, String> grouping = batch.getGroupingLabels();
        Source source = batch.getSource();
        boolean overridden = false;
        for (MetricPoint p : batch.getPoints()) {
            Map<String, String> labels = p.getLabels();
            if (labels.isEmpty()) {
                continue;
            }
            if (labels.containsKey("job") || (source.getFunction() != null && labels.containsKey("function"))
                    || (source.getRegion() != null && labels.containsKey("region"))) {
                overridden = true;
                break;
            }
            for (String g : grouping.keySet()) {
                if (labels.containsKey(g)) {
                    overridden = true;
                    break;
                }
            }
            if (overridden) {
                break;
            }
        }
        if (overridden) {
            refuseDuplicateSeries(batch);
        }
    }

    /** Refuses a batch in which two points land on one series (see {@link #refuseSeriesMergedByOverride}). */
    public static void refuseDuplicateSeries(MetricEventBatch batch) {
        Map<String, String> grouping = batch.getGroupingLabels();
        Source source = batch.getSource();
        Set<SeriesIdentity> series = new HashSet<>();
        for (MetricPoint p : batch.getPoints()) {
            Map<String, String> labels = SeriesLabels.of(p.getLabels(), grouping, source);
            if (!series.add(SeriesIdentity.of(p.getName(), p.getType(), labels))) {
                throw PushRejected.badRequest(PushRejected.DUPLICATE_SERIES, "series " + p.getName() + labels + " appears twice in one push: the grouping labels"
                        + " and the job (function, region) replace the point labels of the same names");
            }
        }
    }

    private void add(String name, String help, String unit, MetricType type, Map<String, String> labels, double value,
                     HistogramValue histogram, NativeHistogramValue nativeHistogram, Temporality temporality, String streamId, Long startTimeMillis, Aggregation forced) {
        Aggregation aggregation = forced != null ? forced : options.defaultAggregation();
        for (Iterator<Map.Entry<String, String>> it = labels.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> label = it.next();
            String labelName = label.getKey();
            if (labelName.startsWith(MetricNames.RESERVED_PREFIX)) {
                if (!labelName.equals(PushOptions.AGGREGATION_LABEL)) {
                    throw PushRejected.badRequest(PushRejected.RESERVED_NAME, "label " + labelName + " of " + name + " is reserved: labels starting with "
                            + MetricNames.RESERVED_PREFIX + " are Mayfly's own");
                }
                aggregation = PushOptions.parseAggregation(label.getValue());
                it.remove();
            } else if (label.getValue().isEmpty()) {
                it.remove(); // an empty label value is the same as no label
            }
        }
        SeriesIdentity identity = SeriesIdentity.of(name, type, labels);
        if (!seen.add(identity)) {
            if (refuseDuplicates) {
                throw PushRejected.badRequest(PushRejected.DUPLICATE_SERIES, "series " + name + labels + " appears twice in one push");
            }
            duplicates = true;
        }
        if (points.size() >= options.maxSeries()) {
            throw new PushRejected(413, PushRejected.TOO_MANY_SERIES, "push has more than " + options.maxSeries() + " series");
        }
        boolean cumulative = temporality == Temporality.CUMULATIVE;
        points.add(new MetricPoint(name, help == null || help.isEmpty() ? null : help, unit == null || unit.isEmpty() ? null : unit,
                type, labels, value, temporality, cumulative ? streamId : null,
                cumulative && startTimeMillis != null ? Instant.ofEpochMilli(startTimeMillis) : null, histogram, aggregation, nativeHistogram));
    }
}
