package dev.mayfly.streams.internal;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;

import java.util.List;
import java.util.Map;

/**
 * Validation of batches and points against Prometheus naming rules and Mayfly's limits. Each check returns null
 * when valid, else the {@link Rejection}. A batch-level defect rejects the whole batch; a point-level one only the point.
 */
public final class Validator {
    private final int maxLabels;
    private final int maxLabelValueLength;

    public Validator(int maxLabels, int maxLabelValueLength) {
        this.maxLabels = maxLabels;
        this.maxLabelValueLength = maxLabelValueLength;
    }

    /** Batch-level checks: event id, job, function/region, grouping labels. */
    public Rejection checkBatch(MetricEventBatch batch) {
        if (batch.getEventId() == null || batch.getEventId().isEmpty()) {
            return Rejection.of("empty_event_id", "the batch has an empty event_id");
        }
        Source source = batch.getSource();
        if (source == null || source.getJob() == null || source.getJob().isEmpty()) {
            return Rejection.of("invalid_job", "the batch has an empty source.job");
        }
        if (source.getJob().length() > maxLabelValueLength) {
            return Rejection.of("invalid_job", "source.job is longer than " + maxLabelValueLength + " characters");
        }
        if (source.getFunction() != null && source.getFunction().length() > maxLabelValueLength) {
            return Rejection.of("label_value_too_long", "source.function is longer than " + maxLabelValueLength + " characters");
        }
        if (source.getRegion() != null && source.getRegion().length() > maxLabelValueLength) {
            return Rejection.of("label_value_too_long", "source.region is longer than " + maxLabelValueLength + " characters");
        }
        for (Map.Entry<String, String> e : batch.getGroupingLabels().entrySet()) {
            Rejection r = checkLabel(e.getKey(), e.getValue(), "grouping label");
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Point-level checks (names, labels, type, values, histogram shape). Label count is checked on the series. */
    public Rejection checkPoint(MetricPoint p) {
        Rejection r = checkIdentity(p);
        return r != null ? r : checkValue(p);
    }

    /** The checks of a point's name, labels and type. */
    public Rejection checkIdentity(MetricPoint p) {
        String name = p.getName();
        if (!MetricNames.isMetricName(name)) {
            return Rejection.of("invalid_metric_name", "metric name '" + name + "' does not match [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        if (MetricNames.isReserved(name)) {
            return Rejection.of("reserved_metric_name", "metric name '" + name + "': names starting with mayfly_ are reserved");
        }
        for (Map.Entry<String, String> e : p.getLabels().entrySet()) {
            Rejection r = checkLabel(e.getKey(), e.getValue(), "label");
            if (r != null) {
                return r;
            }
        }
        MetricType type = p.getType();
        if (type == MetricType.SUMMARY) {
            return Rejection.of("summary", Rejection.SUMMARY_DETAIL);
        }
        if (type == null || type == MetricType.UNKNOWN) {
            return Rejection.of("unknown_type", "metric '" + name + "' has type UNKNOWN; send a counter, gauge or histogram");
        }
        return null;
    }

    /** The checks of a point's value or histogram (its type already checked). */
    public Rejection checkValue(MetricPoint p) {
        String name = p.getName();
        MetricType type = p.getType();
        if (type == MetricType.HISTOGRAM) {
            return checkHistogram(name, p.getHistogram());
        }
        double v = p.getValue();
        if (!Double.isFinite(v)) {
            return Rejection.of("non_finite_value", "metric '" + name + "' has value " + v);
        }
        if (type == MetricType.COUNTER && v < 0) {
            return p.getTemporality() == Temporality.CUMULATIVE
                    ? Rejection.of("negative_counter", "cumulative counter '" + name + "' has negative value " + v)
                    : Rejection.of("negative_counter", "counter '" + name + "' has negative delta " + v);
        }
        return null;
    }

    /** The label count of a series, checked after job, function, region and grouping labels are added. */
    public Rejection checkLabelCount(String name, int labelCount) {
        if (labelCount > maxLabels) {
            return Rejection.of("too_many_labels", "metric '" + name + "' has " + labelCount + " labels; at most " + maxLabels);
        }
        return null;
    }

    private Rejection checkLabel(String labelName, String value, String what) {
        if (labelName != null && labelName.startsWith("__")) {
            return Rejection.of("reserved_label_name", what + " name '" + labelName + "': names starting with __ are reserved");
        }
        if (!MetricNames.isLabelName(labelName)) {
            return Rejection.of("invalid_label_name", what + " name '" + labelName + "' does not match [a-zA-Z_][a-zA-Z0-9_]*");
        }
        if (value == null || value.length() > maxLabelValueLength) {
            return Rejection.of("label_value_too_long", what + " '" + labelName + "' has a value longer than " + maxLabelValueLength + " characters");
        }
        return null;
    }

    private static Rejection checkHistogram(String name, HistogramValue h) {
        if (h == null) {
            return Rejection.of("invalid_histogram", "histogram '" + name + "' has no histogram value");
        }
        List<Double> bounds = h.getBounds();
        for (int i = 0; i < bounds.size(); i++) {
            double b = bounds.get(i);
            if (!Double.isFinite(b) || (i > 0 && b <= bounds.get(i - 1))) {
                return Rejection.of("invalid_histogram_bounds", "histogram '" + name + "': bounds must be finite and strictly increasing");
            }
        }
        List<Long> counts = h.getBucketCounts();
        if (counts.size() != bounds.size() + 1) {
            return Rejection.of("invalid_histogram_buckets", "histogram '" + name + "' has " + counts.size()
                    + " bucket counts for " + bounds.size() + " bounds; expected " + (bounds.size() + 1));
        }
        long total = 0;
        for (long c : counts) {
            if (c < 0) {
                return Rejection.of("invalid_histogram_buckets", "histogram '" + name + "' has a negative bucket count");
            }
            total += c;
        }
        if (total != h.getCount()) {
            return Rejection.of("histogram_count_mismatch", "histogram '" + name + "': bucket counts add up to " + total
                    + " but count is " + h.getCount());
        }
        if (!Double.isFinite(h.getSum())) {
            return Rejection.of("non_finite_value", "histogram '" + name + "' has sum " + h.getSum());
        }
        return null;
    }
}
