package dev.mayfly.schemas.validation;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;

import java.util.List;
import java.util.Map;

/**
 * The one home of every stateless rule a {@link MetricEventBatch} must follow: what can be decided from the batch
 * alone, without the stored series or the engine's rules file. The gateway answers a push that breaks one with a 4xx,
 * the producer library refuses it at record or flush time, and the streams app dead-letters it (a batch that never
 * passed the gateway). Each check returns null when the rule holds, else the {@link Violation}; a batch-level
 * violation condemns the whole batch, a point-level one only the point.
 *
 * <p>Values: counters must be finite and not negative; a gauge aggregated by LAST (the default) may be any double,
 * NaN and infinities included (Prometheus accepts them, and a last value aggregates them); by MAX or MIN it may not be
 * NaN; by SUM it must be finite. Native histograms: see {@link NativeHistogramRules}. Histograms: finite, strictly increasing bounds, one more bucket count than bounds,
 * no negative count, counts adding up to {@code count}, a finite sum, no {@code le} label (its own or a grouping
 * label). Labels: valid, unreserved names, values of at
 * most {@code maxLabelValueLength} characters, at most {@code maxLabels} per series counting {@code job},
 * {@code function}, {@code region} and the grouping labels. Immutable and thread-safe.
 */
public final class MetricValidator {
    public static final int DEFAULT_MAX_LABELS = 32;
    public static final int DEFAULT_MAX_LABEL_VALUE_LENGTH = 1024;
    public static final String SUMMARY_DETAIL = "summaries cannot be aggregated; send a histogram";
    /** The label Prometheus reserves for the bucket bounds of a histogram. */
    public static final String BUCKET_LABEL = "le";

    private final int maxLabels;
    private final int maxLabelValueLength;

    public MetricValidator(int maxLabels, int maxLabelValueLength) {
        if (maxLabels < 1 || maxLabelValueLength < 1) {
            throw new IllegalArgumentException("the label limits must be positive, got " + maxLabels + " and " + maxLabelValueLength);
        }
        this.maxLabels = maxLabels;
        this.maxLabelValueLength = maxLabelValueLength;
    }

    public static MetricValidator withDefaults() {
        return new MetricValidator(DEFAULT_MAX_LABELS, DEFAULT_MAX_LABEL_VALUE_LENGTH);
    }

    public int maxLabels() {
        return maxLabels;
    }

    /**
     * Every rule, the batch's then each point's (values judged by the aggregation each point asks for, or its type's
     * default): the first violation, or null. For senders; the engine checks points itself once its rules chose their
     * aggregation.
     */
    public Violation check(MetricEventBatch batch) {
        Violation v = checkBatch(batch);
        if (v != null) {
            return v;
        }
        Map<String, String> grouping = batch.getGroupingLabels();
        Source source = batch.getSource();
        // a point with at most this many labels fits the limit however its labels overlap the others
        int surelyFits = maxLabels - grouping.size() - sourceLabelCount(source);
        NameCache names = new NameCache();
        for (MetricPoint p : batch.getPoints()) {
            v = checkIdentity(p, names);
            if (v == null) {
                v = checkHistogramLabels(p, grouping);
            }
            if (v == null && p.getLabels().size() > surelyFits) {
                v = checkLabelCount(p.getName(), seriesLabelCount(p.getLabels(), grouping, source));
            }
            if (v == null) {
                v = checkValue(p, p.getAggregation());
            }
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** Batch-level rules: event id, job, function and region, grouping labels. */
    public Violation checkBatch(MetricEventBatch batch) {
        if (batch.getEventId() == null || batch.getEventId().isEmpty()) {
            return new Violation("empty_event_id", "the batch has an empty event_id");
        }
        Source source = batch.getSource();
        if (source == null || source.getJob() == null || source.getJob().isEmpty()) {
            return new Violation("invalid_job", "the batch has an empty job");
        }
        if (tooLong(source.getJob())) {
            return new Violation("invalid_job", "the job has " + characters(source.getJob()) + " characters; at most "
                    + maxLabelValueLength + " (max.label.value.length)");
        }
        Violation v = checkSourceValue("function", source.getFunction());
        if (v == null) {
            v = checkSourceValue("region", source.getRegion());
        }
        if (v != null) {
            return v;
        }
        for (Map.Entry<String, String> e : batch.getGroupingLabels().entrySet()) {
            v = checkLabel(null, e.getKey(), e.getValue());
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** A point's name, label names and values, and type (label count and value are separate). */
    public Violation checkIdentity(MetricPoint p) {
        return checkIdentity(p, null);
    }

    /**
     * A histogram's series cannot carry {@code le}, neither as its own label nor as a grouping label: Prometheus
     * reserves it for the bucket bounds of the {@code _bucket} series.
     */
    public Violation checkHistogramLabels(MetricPoint p, Map<String, String> grouping) {
        if (p.getType() != MetricType.HISTOGRAM) {
            return null;
        }
        boolean grouped = grouping.containsKey(BUCKET_LABEL); // a grouping label overrides; an empty one removes
        String le = grouped ? grouping.get(BUCKET_LABEL) : p.getLabels().get(BUCKET_LABEL);
        if (le != null && !le.isEmpty()) {
            return new Violation("reserved_label_name", "histogram '" + p.getName() + "' has a label '" + BUCKET_LABEL
                    + "' (" + (grouped ? "a grouping label" : "its own") + "): it is reserved for a histogram's bucket bounds");
        }
        return null;
    }

    /** The label count of a series: at most {@code maxLabels}, job, function, region and grouping labels included. */
    public Violation checkLabelCount(String metricName, int labelCount) {
        if (labelCount > maxLabels) {
            return new Violation("too_many_labels", "metric '" + metricName + "' has " + labelCount
                    + " labels (job, function, region and grouping labels included); at most " + maxLabels + " (max.labels)");
        }
        return null;
    }

    /** One label value of a point: at most {@code maxLabelValueLength} characters. */
    public Violation checkLabelValue(String metricName, String labelName, String value) {
        return labelValue(metricName, labelName, value);
    }

    /** The labels of the series a point lands on: its own, the grouping labels and the source's, each name once. */
    public static int seriesLabelCount(Map<String, String> labels, Map<String, String> grouping, Source source) {
        int n = labels.size();
        for (String g : grouping.keySet()) {
            if (!labels.containsKey(g)) {
                n++;
            }
        }
        n += absentFrom(labels, grouping, "job", source.getJob());
        n += absentFrom(labels, grouping, "function", source.getFunction());
        n += absentFrom(labels, grouping, "region", source.getRegion());
        return n;
    }

    /**
     * A point's value or histogram, its type already checked, judged by the aggregation that will apply to it (null:
     * its type's default, LAST for gauges).
     */
    public Violation checkValue(MetricPoint p, Aggregation aggregation) {
        String name = p.getName();
        double v = p.getValue();
        switch (p.getType()) {
            case HISTOGRAM -> {
                if (p.getNativeHistogram() != null) {
                    return p.getHistogram() != null
                            ? new Violation("invalid_histogram", "histogram '" + name + "' has both explicit buckets and a native histogram; send one")
                            : NativeHistogramRules.check(name, p.getNativeHistogram());
                }
                return checkHistogram(name, p.getHistogram());
            }
            case COUNTER -> {
                if (!Double.isFinite(v)) {
                    return new Violation("non_finite_value", "counter '" + name + "' has value " + text(v) + "; counters must be finite");
                }
                if (v < 0) {
                    return p.getTemporality() == Temporality.CUMULATIVE
                            ? new Violation("negative_counter", "cumulative counter '" + name + "' has negative value " + v)
                            : new Violation("negative_counter", "counter '" + name + "' has negative delta " + v + "; counters cannot go down");
                }
                return null;
            }
            case GAUGE -> {
                Aggregation a = aggregation == null ? Aggregation.LAST : aggregation;
                if (a == Aggregation.SUM && !Double.isFinite(v)) {
                    return new Violation("non_finite_value", "gauge '" + name + "' has value " + text(v) + "; a gauge aggregated by sum must be finite");
                }
                if ((a == Aggregation.MAX || a == Aggregation.MIN) && Double.isNaN(v)) {
                    return new Violation("non_finite_value", "gauge '" + name + "' has value NaN; a gauge aggregated by "
                            + a.name().toLowerCase(java.util.Locale.ROOT) + " cannot be NaN");
                }
                return null;
            }
            default -> {
                return null; // SUMMARY and UNKNOWN never pass checkIdentity
            }
        }
    }

    /** Remembers names found valid, by identity: the points of one family share their name and label name strings. */
    private static final class NameCache {
        String metricName;
        final String[] labelNames = new String[8];
        int next;

        boolean hasLabel(String name) {
            for (String checked : labelNames) {
                if (checked == name) {
                    return true;
                }
            }
            return false;
        }

        void addLabel(String name) {
            labelNames[next] = name;
            next = (next + 1) % labelNames.length;
        }
    }

    private Violation checkIdentity(MetricPoint p, NameCache cache) {
        String name = p.getName();
        if (cache == null || name != cache.metricName) {
            if (name != null && name.length() > MetricNames.MAX_NAME_LENGTH) {
                return new Violation("invalid_metric_name", "metric name '" + name.substring(0, 64) + "...' has " + name.length()
                        + " characters; at most " + MetricNames.MAX_NAME_LENGTH);
            }
            if (!MetricNames.isMetricName(name)) {
                return new Violation("invalid_metric_name", "metric name '" + name + "' does not match [a-zA-Z_:][a-zA-Z0-9_:]*");
            }
            if (MetricNames.isReserved(name)) {
                return new Violation("reserved_metric_name", "metric name '" + name + "' is reserved: names starting with "
                        + MetricNames.RESERVED_PREFIX + " are Mayfly's own");
            }
            if (cache != null) {
                cache.metricName = name;
            }
        }
        for (Map.Entry<String, String> e : p.getLabels().entrySet()) {
            String label = e.getKey();
            if (cache != null && label != null && cache.hasLabel(label)) {
                Violation v = labelValue(name, label, e.getValue());
                if (v != null) {
                    return v;
                }
                continue;
            }
            Violation v = checkLabel(name, label, e.getValue());
            if (v != null) {
                return v;
            }
            if (cache != null) {
                cache.addLabel(label);
            }
        }
        MetricType type = p.getType();
        if (type == MetricType.SUMMARY) {
            return new Violation("summary", SUMMARY_DETAIL);
        }
        if (type == null || type == MetricType.UNKNOWN) {
            return new Violation("unknown_type", "metric '" + name + "' has type UNKNOWN; send a counter, gauge or histogram");
        }
        if (type == MetricType.COUNTER) {
            String problem = MetricNames.counterNameProblem(name);
            if (problem != null) {
                return new Violation("invalid_metric_name", problem);
            }
        }
        return null;
    }

    /** The checks of one label of {@code metric} (null: a grouping label). */
    private Violation checkLabel(String metric, String labelName, String value) {
        if (labelName != null && labelName.startsWith("__")) {
            return new Violation("reserved_label_name", what(metric) + " name '" + labelName + "' is reserved: names starting with __ are Prometheus'");
        }
        if (labelName != null && labelName.length() > MetricNames.MAX_NAME_LENGTH) {
            return new Violation("invalid_label_name", what(metric) + " name '" + labelName.substring(0, 64) + "...' has "
                    + labelName.length() + " characters; at most " + MetricNames.MAX_NAME_LENGTH);
        }
        if (!MetricNames.isLabelName(labelName)) {
            return new Violation("invalid_label_name", what(metric) + " name '" + labelName + "' does not match [a-zA-Z_][a-zA-Z0-9_]*");
        }
        return labelValue(metric, labelName, value);
    }

    private Violation labelValue(String metric, String labelName, String value) {
        if (value == null || tooLong(value)) {
            return new Violation("label_value_too_long", what(metric) + " '" + labelName + "' has a value of "
                    + (value == null ? "null" : characters(value) + " characters") + "; at most " + maxLabelValueLength
                    + " (max.label.value.length)");
        }
        return null;
    }

    private Violation checkSourceValue(String label, String value) {
        if (value != null && tooLong(value)) {
            return new Violation("label_value_too_long", "the " + label + " has " + characters(value) + " characters; at most "
                    + maxLabelValueLength + " (max.label.value.length)");
        }
        return null;
    }

    /** Longer than {@code max.label.value.length} characters (Unicode code points: an emoji is one, not two). */
    private boolean tooLong(String value) {
        return value.length() > maxLabelValueLength && characters(value) > maxLabelValueLength;
    }

    private static int characters(String value) {
        return value.codePointCount(0, value.length());
    }

    /** How a label is named in a message (built only for a violation: these checks run for every label). */
    private static String what(String metric) {
        return metric == null ? "grouping label" : "metric '" + metric + "': label";
    }

    /** A value as the Prometheus text format writes it ({@code NaN}, {@code +Inf}, {@code -Inf}). */
    private static String text(double v) {
        return Double.isNaN(v) ? "NaN" : v == Double.POSITIVE_INFINITY ? "+Inf" : v == Double.NEGATIVE_INFINITY ? "-Inf" : Double.toString(v);
    }

    private static int sourceLabelCount(Source source) {
        return 1 + (source.getFunction() != null ? 1 : 0) + (source.getRegion() != null ? 1 : 0);
    }

    private static int absentFrom(Map<String, String> labels, Map<String, String> grouping, String label, String value) {
        return value != null && !labels.containsKey(label) && !grouping.containsKey(label) ? 1 : 0;
    }

    private static Violation checkHistogram(String name, HistogramValue h) {
        if (h == null) {
            return new Violation("invalid_histogram", "histogram '" + name + "' has no histogram value");
        }
        List<Double> bounds = h.getBounds();
        double previous = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < bounds.size(); i++) {
            double b = bounds.get(i);
            if (!Double.isFinite(b) || (i > 0 && b <= previous)) {
                return new Violation("invalid_histogram_bounds", "histogram '" + name + "': bucket bounds must be finite and strictly increasing, got "
                        + bounds + " (the +Inf bucket is implicit)");
            }
            previous = b;
        }
        List<Long> counts = h.getBucketCounts();
        if (counts.size() != bounds.size() + 1) {
            return new Violation("invalid_histogram_buckets", "histogram '" + name + "' has " + counts.size()
                    + " bucket counts for " + bounds.size() + " bounds; expected " + (bounds.size() + 1));
        }
        long total = 0;
        for (long c : counts) {
            if (c < 0) {
                return new Violation("invalid_histogram_buckets", "histogram '" + name + "' has a negative bucket count");
            }
            if (c > Long.MAX_VALUE - total) {
                return new Violation("invalid_histogram_buckets", "histogram '" + name + "': bucket counts add up to more than " + Long.MAX_VALUE);
            }
            total += c;
        }
        if (total != h.getCount()) {
            return new Violation("histogram_count_mismatch", "histogram '" + name + "': bucket counts add up to " + total
                    + " but count is " + h.getCount());
        }
        if (!Double.isFinite(h.getSum())) {
            return new Violation("non_finite_value", "histogram '" + name + "' has sum " + text(h.getSum()) + "; a histogram's sum must be finite");
        }
        return null;
    }
}
