package dev.mayfly.streams;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Source;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.mayfly.streams.Pipeline.batch;
import static dev.mayfly.streams.Pipeline.counter;
import static dev.mayfly.streams.Pipeline.gauge;
import static dev.mayfly.streams.Pipeline.header;
import static dev.mayfly.streams.Pipeline.histogram;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the engine accepts that senders may not expect (non-finite gauges kept as the last value) and what only it can
 * refuse (rules, stored series, limits, overflow): dead-lettered with the reason and counted per job.
 */
class EngineRejectionsTest {
    private static final long T0 = 1_700_000_000_000L;

    static MetricEventBatch ofJob(String job, String eventId, long emitTime, dev.mayfly.schemas.avro.MetricPoint... points) {
        return MetricEventBatch.newBuilder(batch(eventId, emitTime, points)).setSource(Source.newBuilder().setJob(job).build()).build();
    }

    @Test
    void nonFiniteGaugesAreKeptAsTheLastValue() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("e1", T0, gauge("ratio", Double.NaN), gauge("up", Double.POSITIVE_INFINITY), gauge("down", 1)));
            p.send(batch("e2", T0 + 1, gauge("down", Double.NEGATIVE_INFINITY)));
            assertThat(p.value("ratio{job=\"fn\"}")).isNaN();
            assertThat(p.value("up{job=\"fn\"}")).isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(p.value("down{job=\"fn\"}")).isEqualTo(Double.NEGATIVE_INFINITY);
            p.send(batch("e3", T0 + 2, gauge("ratio", 0.5)));
            assertThat(p.value("ratio{job=\"fn\"}")).isEqualTo(0.5);
            assertThat(p.deadLetters()).isEmpty();
        }
    }

    @Test
    void nonFiniteGaugesAreRejectedWhereTheRulesSumOrCompareThem() throws Exception {
        String rules = """
                rules:
                  - match: "summed"
                    aggregation: sum
                  - match: "peak"
                    aggregation: max
                """;
        try (Pipeline p = Pipeline.withRules(rules, Map.of())) {
            p.send(batch("e1", T0, gauge("summed", Double.POSITIVE_INFINITY), gauge("peak", Double.NaN),
                    gauge("peak", Double.POSITIVE_INFINITY, "k", "v"), gauge("summed", 2, "k", "v")));
            assertThat(p.deadLetterReasons()).containsExactly("non_finite_value", "non_finite_value");
            assertThat(header(p.deadLetters().get(0), Topics.HEADER_DETAIL)).contains("summed", "sum must be finite");
            assertThat(header(p.deadLetters().get(1), Topics.HEADER_DETAIL)).contains("peak", "max cannot be NaN");
            assertThat(p.aggregates()).containsOnlyKeys("peak{job=\"fn\",k=\"v\"}", "summed{job=\"fn\",k=\"v\"}");
            assertThat(p.value("peak{job=\"fn\",k=\"v\"}")).isEqualTo(Double.POSITIVE_INFINITY);
        }
    }

    @Test
    void aSumThatWouldOverflowIsRejectedAndTheSeriesKeepsItsValue() {
        try (Pipeline p = Pipeline.start()) {
            p.send(ofJob("billing", "e1", T0, counter("bytes", 1.5e308), histogram("size", new double[]{1}, new long[]{0, 1}, 1.5e308)));
            p.send(ofJob("billing", "e2", T0 + 1, counter("bytes", 1.5e308), histogram("size", new double[]{1}, new long[]{0, 1}, 1.5e308)));
            p.send(ofJob("billing", "e3", T0 + 2, counter("bytes", 1)));
            assertThat(p.deadLetterReasons()).containsExactly("sum_overflow", "sum_overflow");
            TestRecord<byte[], byte[]> rejected = p.deadLetters().get(0);
            assertThat(header(rejected, Topics.HEADER_DETAIL)).contains("bytes{job=\"billing\"}", "overflow");
            assertThat(Pipeline.EVENTS.decode(rejected.value()).getEventId()).isEqualTo("e2");
            assertThat(p.value("bytes{job=\"billing\"}")).isEqualTo(1.5e308 + 1);
            assertThat(p.aggregate("size{job=\"billing\"}").getHistogram().getCount()).isEqualTo(1);
            assertThat(p.counter("mayfly_pipeline_rejects{job=\"billing\",reason=\"sum_overflow\",task=\"0_0\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void typeConflictsAndCardinalityLimitsAreCountedPerJobAndDeadLetteredWithTheReason() {
        try (Pipeline p = Pipeline.start(Map.of("series.limit.per.metric.per.task", "1"))) {
            p.send(ofJob("checkout", "e1", T0, counter("orders", 1)));
            p.send(ofJob("checkout", "e2", T0 + 1, gauge("orders", 5)));
            p.send(ofJob("search", "e3", T0 + 2, counter("orders", 1)));
            p.send(ofJob("search", "e4", T0 + 3, counter("orders", 1, "page", "2")));
            assertThat(p.deadLetterReasons()).containsExactly("type_mismatch", "cardinality_limit", "cardinality_limit");
            assertThat(header(p.deadLetters().get(0), Topics.HEADER_DETAIL))
                    .isEqualTo("series orders{job=\"checkout\"} is a COUNTER, the point is a GAUGE");
            MetricEventBatch conflict = Pipeline.EVENTS.decode(p.deadLetters().get(0).value());
            assertThat(conflict.getSource().getJob()).isEqualTo("checkout");
            assertThat(p.counter("mayfly_pipeline_rejects{job=\"checkout\",reason=\"type_mismatch\",task=\"0_0\"}")).isEqualTo(1.0);
            // two data points dead-lettered, and the job's last-push time (one series per job: past the limit of 1
            // too) rejected at each of its two pushes, counted but not dead-lettered
            assertThat(p.counter("mayfly_pipeline_rejects{job=\"search\",reason=\"cardinality_limit\",task=\"0_0\"}")).isEqualTo(4.0);
            assertThat(p.value("orders{job=\"checkout\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void rejectionsOfAtMostAThousandJobsPerTaskGetTheirOwnSeries() {
        try (Pipeline p = Pipeline.start()) {
            for (int i = 0; i < 1001; i++) {
                p.send(ofJob("job" + i, "e" + i, T0, counter("c", -1)));
            }
            p.tick();
            Map<String, Aggregate> all = p.aggregates();
            long perJob = all.keySet().stream().filter(k -> k.startsWith("mayfly_pipeline_rejects{job=")).count();
            assertThat(perJob).isEqualTo(1000);
            assertThat(p.value("mayfly_pipeline_rejects{reason=\"negative_counter\",task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void everyPipelineCounterIsPublishedWithItsHelpText() throws Exception {
        try (Pipeline p = Pipeline.withRules("rules:\n  - match: w\n    window: 1m\n", Map.of("series.ttl", "5m",
                "expiry.scan.interval", "10s", "series.limit.per.task", "3", "window.grace", "0ms"))) {
            p.send(batch("e1", T0, counter("c", 1), gauge("w", 1)));
            p.send(batch("e1", T0, counter("c", 1)));
            p.send(batch("e2", T0 + 10 * 60_000, counter("c", -1), counter("c", 1), counter("d", 1), counter("e", 1), counter("f", 1)));
            p.send(batch("e3", T0, counter("c", 1)), T0 + 3 * 3_600_000);
            p.send(batch("e4", T0 + 20 * 60_000, gauge("w", 1)), T0 + 20 * 60_000);
            p.send(batch("e5", T0 + 30 * 60_000, gauge("w", 1)), T0 + 10 * 60_000);
            p.send(Pipeline.deleteGroup("d1", T0 + 20 * 60_000, "fn", Map.of()));
            p.tick();
            Map<String, Aggregate> counters = new java.util.TreeMap<>(p.aggregates());
            counters.keySet().removeIf(k -> !k.startsWith("mayfly_pipeline_"));
            assertThat(counters.keySet().stream().map(k -> k.substring(0, k.indexOf('{'))).distinct())
                    .as("the counters this test makes").contains("mayfly_pipeline_events", "mayfly_pipeline_points",
                            "mayfly_pipeline_duplicates", "mayfly_pipeline_rejects", "mayfly_pipeline_clamped_events",
                            "mayfly_pipeline_late_events", "mayfly_pipeline_delete_groups", "mayfly_pipeline_expired_series",
                            "mayfly_pipeline_deleted_series", "mayfly_pipeline_cardinality_rejects");
            counters.forEach((key, a) -> assertThat(a.getHelp()).as(key).isNotBlank());
        }
    }

    @Test
    void aRequestedAggregationTheRulesDoNotAllowJudgesTheValueByTheOneThatApplies() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("e1", T0, gauge("g", Double.NaN, Aggregation.SUM)));
            assertThat(p.deadLetters()).isEmpty();
            assertThat(p.value("g{job=\"fn\"}")).isNaN();
        }
    }
}
