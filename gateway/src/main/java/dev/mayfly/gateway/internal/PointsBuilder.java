package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Temporality;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects the points of one push, enforcing what every input format shares: valid and unreserved names, the
 * reserved {@code mayfly_aggregation} label (stripped, it sets the point's aggregation), no series twice, at most
 * {@link PushOptions#maxSeries()} series. Counters and histograms take the push's temporality and stream; gauges
 * are levels and are always sent as DELTA without a stream. Not thread-safe: one per push.
 */
public final class PointsBuilder {
    private final PushOptions options;
    private final List<MetricPoint> points = new ArrayList<>();
    private final Set<SeriesIdentity> seen = new HashSet<>();
    private String checkedName; // the last metric name found valid and unreserved: a family's points share the string
    // label names last found valid and unreserved, compared by identity (the parsers reuse a repeated label's string)
    private final String[] checkedLabels = new String[8];
    private int nextCheckedLabel;

    private record SeriesIdentity(String name, Map<String, String> labels) {
        // written out: the generated ones go through method handles, a cost per point
        @Override
        public int hashCode() {
            return 31 * name.hashCode() + labels.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SeriesIdentity other && name.equals(other.name) && labels.equals(other.labels);
        }
    }

    public PointsBuilder(PushOptions options) {
        this.options = options;
    }

    public List<MetricPoint> points() {
        return points;
    }

    public PushOptions options() {
        return options;
    }

    public void counter(String name, String help, String unit, Map<String, String> labels, double value, Long startTimeMillis) {
        counter(name, help, unit, labels, value, options.temporality(), options.streamId(), startTimeMillis);
    }

    /** A counter whose temporality and stream are its own (OTLP: every point says). */
    public void counter(String name, String help, String unit, Map<String, String> labels, double value,
                        Temporality temporality, String streamId, Long startTimeMillis) {
        if (!(value >= 0)) {
            throw PushRejected.malformed("counter " + name + " has value " + value + "; counters cannot be negative or NaN");
        }
        add(name, help, unit, MetricType.COUNTER, labels, value, null, temporality, streamId, startTimeMillis, null);
    }

    public void gauge(String name, String help, String unit, Map<String, String> labels, double value) {
        add(name, help, unit, MetricType.GAUGE, labels, value, null, Temporality.DELTA, null, null, null);
    }

    /** A gauge whose values are changes to be summed (an OTLP non-monotonic delta sum). */
    public void summedGaugeDelta(String name, String help, String unit, Map<String, String> labels, double value) {
        add(name, help, unit, MetricType.GAUGE, labels, value, null, Temporality.DELTA, null, null, Aggregation.SUM);
    }

    /** A histogram with per-bucket counts: {@code bucketCounts.length == bounds.length + 1}. */
    public void histogram(String name, String help, String unit, Map<String, String> labels, List<Double> bounds,
                          List<Long> bucketCounts, double sum, long count, Long startTimeMillis) {
        histogram(name, help, unit, labels, bounds, bucketCounts, sum, count, options.temporality(), options.streamId(), startTimeMillis);
    }

    public void histogram(String name, String help, String unit, Map<String, String> labels, List<Double> bounds,
                          List<Long> bucketCounts, double sum, long count, Temporality temporality, String streamId, Long startTimeMillis) {
        if (bucketCounts.size() != bounds.size() + 1) {
            throw PushRejected.malformed("histogram " + name + " has " + bucketCounts.size() + " bucket counts for " + bounds.size() + " bounds");
        }
        HistogramValue h = new HistogramValue(bounds, bucketCounts, sum, count);
        add(name, help, unit, MetricType.HISTOGRAM, labels, 0.0, h, temporality, streamId, startTimeMillis, null);
    }

    private boolean isCheckedLabel(String labelName) {
        for (String checked : checkedLabels) {
            if (checked == labelName) {
                return true;
            }
        }
        return false;
    }

    private void add(String name, String help, String unit, MetricType type, Map<String, String> labels, double value,
                     HistogramValue histogram, Temporality temporality, String streamId, Long startTimeMillis, Aggregation forced) {
        if (name != checkedName || name == null) {
            if (!MetricNames.isMetricName(name)) {
                throw PushRejected.malformed("invalid metric name '" + name + "'");
            }
            if (name.startsWith(MetricNames.RESERVED_PREFIX)) {
                throw PushRejected.badRequest(PushRejected.RESERVED_NAME, "metric name " + name + " is reserved: names starting with "
                        + MetricNames.RESERVED_PREFIX + " are Mayfly's own");
            }
            checkedName = name;
        }
        Aggregation aggregation = forced != null ? forced : options.defaultAggregation();
        for (Iterator<Map.Entry<String, String>> it = labels.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> label = it.next();
            String labelName = label.getKey();
            boolean checked = labelName != null && isCheckedLabel(labelName);
            if (!checked && labelName.startsWith(MetricNames.RESERVED_PREFIX)) {
                if (!labelName.equals(PushOptions.AGGREGATION_LABEL)) {
                    throw PushRejected.badRequest(PushRejected.RESERVED_NAME, "label " + labelName + " of " + name + " is reserved: labels starting with "
                            + MetricNames.RESERVED_PREFIX + " are Mayfly's own");
                }
                aggregation = PushOptions.parseAggregation(label.getValue());
                it.remove();
            } else if (!checked && !MetricNames.isLabelName(labelName)) {
                throw PushRejected.malformed("invalid label name '" + labelName + "' on " + name);
            } else {
                if (!checked) {
                    checkedLabels[nextCheckedLabel] = labelName;
                    nextCheckedLabel = (nextCheckedLabel + 1) % checkedLabels.length;
                }
                if (label.getValue().isEmpty()) {
                    it.remove(); // an empty label value is the same as no label
                }
            }
        }
        if (!seen.add(new SeriesIdentity(name, labels))) {
            throw PushRejected.badRequest(PushRejected.DUPLICATE_SERIES, "series " + name + labels + " appears twice in one push");
        }
        if (points.size() >= options.maxSeries()) {
            throw new PushRejected(413, PushRejected.TOO_MANY_SERIES, "push has more than " + options.maxSeries() + " series");
        }
        boolean cumulative = temporality == Temporality.CUMULATIVE;
        points.add(new MetricPoint(name, help == null || help.isEmpty() ? null : help, unit == null || unit.isEmpty() ? null : unit,
                type, labels, value, temporality, cumulative ? streamId : null,
                cumulative && startTimeMillis != null ? Instant.ofEpochMilli(startTimeMillis) : null, histogram, aggregation));
    }
}
