package dev.mayfly.schemas.validation;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every stateless rule, point by point and batch by batch; and what it accepts. */
class MetricValidatorTest {
    private static final MetricValidator V = new MetricValidator(4, 10);

    record Case(String name, MetricEventBatch batch, String reason, String detail) {
        @Override
        public String toString() {
            return name;
        }
    }

    static MetricEventBatch batch(Map<String, String> grouping, Source source, MetricPoint... points) {
        return MetricEventBatch.newBuilder().setEventId("e1").setSource(source).setEmitTime(Instant.EPOCH)
                .setGroupingLabels(grouping).setPoints(List.of(points)).build();
    }

    static MetricEventBatch batch(MetricPoint... points) {
        return batch(Map.of(), Source.newBuilder().setJob("fn").build(), points);
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static MetricPoint point(MetricType type, String name, double value, String... labels) {
        return MetricPoint.newBuilder().setName(name).setType(type).setValue(value).setLabels(labels(labels)).build();
    }

    static MetricPoint gauge(double value, Aggregation aggregation) {
        return MetricPoint.newBuilder(point(MetricType.GAUGE, "g", value)).setAggregation(aggregation).build();
    }

    static MetricPoint histogram(List<Double> bounds, List<Long> counts, long count, double sum) {
        return MetricPoint.newBuilder(point(MetricType.HISTOGRAM, "h", 0))
                .setHistogram(new HistogramValue(bounds, counts, sum, count)).build();
    }

    static List<Case> refused() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("invalid metric name", batch(point(MetricType.COUNTER, "9lives", 1)), "invalid_metric_name", "metric name '9lives' does not match"));
        c.add(new Case("reserved metric name", batch(point(MetricType.GAUGE, "mayfly_x", 1)), "reserved_metric_name", "metric name 'mayfly_x' is reserved"));
        c.add(new Case("counter named only _total", batch(point(MetricType.COUNTER, "_total", 1)), "invalid_metric_name",
                "counter name '_total' is empty without its _total suffix"));
        c.add(new Case("counter ending in _total twice", batch(point(MetricType.COUNTER, "jobs_total_total", 1)), "invalid_metric_name",
                "counter name 'jobs_total_total' ends in _total twice: a counter is served as its name without one _total suffix,"
                        + " plus _total, so it would be served as jobs_total; push it as jobs_total"));
        c.add(new Case("invalid label name", batch(point(MetricType.GAUGE, "g", 1, "a-b", "x")), "invalid_label_name", "metric 'g': label name 'a-b'"));
        c.add(new Case("metric name too long", batch(point(MetricType.GAUGE, "g".repeat(1025), 1)), "invalid_metric_name",
                "metric name '" + "g".repeat(64) + "...' has 1025 characters; at most 1024"));
        c.add(new Case("label name too long", batch(point(MetricType.GAUGE, "g", 1, "l".repeat(5000), "x")), "invalid_label_name",
                "metric 'g': label name '" + "l".repeat(64) + "...' has 5000 characters; at most 1024"));
        c.add(new Case("grouping label name too long", batch(Map.of("l".repeat(1025), "x"), Source.newBuilder().setJob("j").build()),
                "invalid_label_name", "grouping label name '" + "l".repeat(64) + "...' has 1025 characters"));
        c.add(new Case("reserved label name", batch(point(MetricType.GAUGE, "g", 1, "__x", "x")), "reserved_label_name", "metric 'g': label name '__x' is reserved"));
        c.add(new Case("label value too long", batch(point(MetricType.GAUGE, "g", 1, "l", "x".repeat(11))), "label_value_too_long",
                "metric 'g': label 'l' has a value of 11 characters; at most 10 (max.label.value.length)"));
        c.add(new Case("label value too long in characters", batch(point(MetricType.GAUGE, "g", 1, "l", "\uD83D\uDE00".repeat(11))),
                "label_value_too_long", "metric 'g': label 'l' has a value of 11 characters; at most 10"));
        c.add(new Case("too many labels with the job", batch(point(MetricType.GAUGE, "g", 1, "a", "1", "b", "2", "c", "3", "d", "4")),
                "too_many_labels", "metric 'g' has 5 labels (job, function, region and grouping labels included); at most 4 (max.labels)"));
        c.add(new Case("too many labels with grouping, function and region",
                batch(Map.of("zone", "z"), Source.newBuilder().setJob("fn").setFunction("f").setRegion("r").build(), point(MetricType.GAUGE, "g", 1, "a", "1")),
                "too_many_labels", "metric 'g' has 5 labels"));
        c.add(new Case("summary", batch(point(MetricType.SUMMARY, "s", 1)), "summary", MetricValidator.SUMMARY_DETAIL));
        c.add(new Case("unknown type", batch(point(MetricType.UNKNOWN, "u", 1)), "unknown_type", "metric 'u' has type UNKNOWN"));
        c.add(new Case("+Inf counter", batch(point(MetricType.COUNTER, "c", Double.POSITIVE_INFINITY)), "non_finite_value",
                "counter 'c' has value +Inf; counters must be finite"));
        c.add(new Case("NaN counter", batch(point(MetricType.COUNTER, "c", Double.NaN)), "non_finite_value", "counter 'c' has value NaN"));
        c.add(new Case("negative counter", batch(point(MetricType.COUNTER, "c", -1)), "negative_counter", "counter 'c' has negative delta -1.0"));
        c.add(new Case("infinite gauge to sum", batch(gauge(Double.NEGATIVE_INFINITY, Aggregation.SUM)), "non_finite_value",
                "gauge 'g' has value -Inf; a gauge aggregated by sum must be finite"));
        c.add(new Case("NaN gauge to maximize", batch(gauge(Double.NaN, Aggregation.MAX)), "non_finite_value", "aggregated by max cannot be NaN"));
        c.add(new Case("NaN gauge to minimize", batch(gauge(Double.NaN, Aggregation.MIN)), "non_finite_value", "aggregated by min cannot be NaN"));
        c.add(new Case("histogram without value", batch(point(MetricType.HISTOGRAM, "h", 0)), "invalid_histogram", "histogram 'h' has no histogram value"));
        c.add(new Case("histogram bounds decrease", batch(histogram(List.of(2.0, 1.0), List.of(0L, 0L, 0L), 0, 0)), "invalid_histogram_bounds",
                "histogram 'h': bucket bounds must be finite and strictly increasing"));
        c.add(new Case("histogram +Inf bound", batch(histogram(List.of(1.0, Double.POSITIVE_INFINITY), List.of(0L, 0L, 0L), 0, 0)),
                "invalid_histogram_bounds", "the +Inf bucket is implicit"));
        c.add(new Case("histogram counts do not fit bounds", batch(histogram(List.of(1.0), List.of(1L), 1, 0)), "invalid_histogram_buckets",
                "histogram 'h' has 1 bucket counts for 1 bounds; expected 2"));
        c.add(new Case("histogram negative count", batch(histogram(List.of(1.0), List.of(2L, -1L), 1, 0)), "invalid_histogram_buckets", "negative"));
        c.add(new Case("histogram counts overflow", batch(histogram(List.of(1.0), List.of(Long.MAX_VALUE, 1L), 0, 0)), "invalid_histogram_buckets",
                "add up to more than"));
        c.add(new Case("histogram count mismatch", batch(histogram(List.of(1.0), List.of(1L, 1L), 3, 0)), "histogram_count_mismatch",
                "histogram 'h': bucket counts add up to 2 but count is 3"));
        c.add(new Case("histogram sum NaN", batch(histogram(List.of(1.0), List.of(1L, 1L), 2, Double.NaN)), "non_finite_value",
                "histogram 'h' has sum NaN; a histogram's sum must be finite"));
        c.add(new Case("histogram labelled le", batch(MetricPoint.newBuilder(histogram(List.of(1.0), List.of(1L, 1L), 2, 0))
                .setLabels(labels("le", "5")).build()), "reserved_label_name", "histogram 'h' has a label 'le' (its own)"));
        c.add(new Case("histogram grouped by le", batch(Map.of("le", "5"), Source.newBuilder().setJob("j").build(),
                histogram(List.of(1.0), List.of(1L, 1L), 2, 0)), "reserved_label_name", "histogram 'h' has a label 'le' (a grouping label)"));
        c.add(new Case("empty event id", MetricEventBatch.newBuilder(batch()).setEventId("").build(), "empty_event_id", "empty event_id"));
        c.add(new Case("empty job", batch(Map.of(), Source.newBuilder().setJob("").build()), "invalid_job", "empty job"));
        c.add(new Case("job too long", batch(Map.of(), Source.newBuilder().setJob("j".repeat(11)).build()), "invalid_job",
                "the job has 11 characters; at most 10"));
        c.add(new Case("function too long", batch(Map.of(), Source.newBuilder().setJob("j").setFunction("f".repeat(11)).build()),
                "label_value_too_long", "the function has 11 characters"));
        c.add(new Case("grouping label name", batch(Map.of("a-b", "x"), Source.newBuilder().setJob("j").build()), "invalid_label_name",
                "grouping label name 'a-b'"));
        c.add(new Case("grouping label value too long", batch(Map.of("zone", "z".repeat(11)), Source.newBuilder().setJob("j").build()),
                "label_value_too_long", "grouping label 'zone' has a value of 11 characters"));
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesNamingTheMetricAndTheRule(Case c) {
        Violation v = V.check(c.batch());
        assertThat(v).as("violation").isNotNull();
        assertThat(v.reason()).isEqualTo(c.reason());
        assertThat(v.detail()).contains(c.detail());
    }

    @Test
    void acceptsWhatPrometheusAcceptsAndMayflyAggregates() {
        MetricEventBatch ok = batch(Map.of("zone", "z"), Source.newBuilder().setJob("fn").build(),
                point(MetricType.GAUGE, "g", Double.NaN, "a", "1"),
                point(MetricType.GAUGE, "g", Double.POSITIVE_INFINITY, "a", "2"),
                gauge(Double.NEGATIVE_INFINITY, Aggregation.LAST),
                gauge(Double.POSITIVE_INFINITY, Aggregation.MAX),
                point(MetricType.COUNTER, "c", 0, "job", "overridden", "zone", "overridden", "b", "x"),
                point(MetricType.COUNTER, "c_total", 1),
                point(MetricType.GAUGE, "g_total_total", 1),
                point(MetricType.COUNTER, "total_total", 1),
                point(MetricType.GAUGE, "g", 1, "l", "x".repeat(10)),
                point(MetricType.GAUGE, "g", 1, "emoji", "\uD83D\uDE00".repeat(10)), // 10 characters, 20 UTF-16 units
                point(MetricType.GAUGE, "n".repeat(1024), 1, "l".repeat(1024), "x"),
                histogram(List.of(), List.of(3L), 3, -1.5),
                histogram(List.of(0.1, 1.0), List.of(1L, 0L, 2L), 3, 7));
        assertThat(V.check(ok)).isNull();
        assertThat(V.check(batch(Map.of("le", "5"), Source.newBuilder().setJob("fn").build(), point(MetricType.COUNTER, "c", 1, "le", "x"))))
                .as("le is reserved on histograms only").isNull();
        assertThat(V.check(batch(Map.of("le", ""), Source.newBuilder().setJob("fn").build(),
                MetricPoint.newBuilder(histogram(List.of(1.0), List.of(1L, 1L), 2, 0)).setLabels(labels("le", "5")).build())))
                .as("an empty grouping label removes the histogram's own le").isNull();
    }

    @Test
    void theEngineJudgesAValueByTheAggregationItsRulesChose() {
        MetricPoint nanAskingForSum = gauge(Double.NaN, Aggregation.SUM);
        assertThat(V.checkValue(nanAskingForSum, Aggregation.LAST)).isNull();
        assertThat(V.checkValue(nanAskingForSum, Aggregation.SUM).reason()).isEqualTo("non_finite_value");
        assertThat(V.checkValue(point(MetricType.GAUGE, "g", Double.NaN), null)).as("a gauge's default is LAST").isNull();
    }

    @Test
    void theSeriesLabelCountCountsEachNameOnce() {
        Source source = Source.newBuilder().setJob("fn").setFunction("f").build();
        assertThat(MetricValidator.seriesLabelCount(labels("a", "1", "job", "x"), Map.of("a", "2", "b", "3"), source)).isEqualTo(4);
        assertThat(MetricValidator.seriesLabelCount(labels(), Map.of(), Source.newBuilder().setJob("fn").build())).isEqualTo(1);
    }
}
