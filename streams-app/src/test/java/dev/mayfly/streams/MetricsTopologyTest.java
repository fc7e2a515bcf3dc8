package dev.mayfly.streams;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.mayfly.streams.Pipeline.batch;
import static dev.mayfly.streams.Pipeline.counter;
import static dev.mayfly.streams.Pipeline.cumulative;
import static dev.mayfly.streams.Pipeline.gauge;
import static dev.mayfly.streams.Pipeline.header;
import static dev.mayfly.streams.Pipeline.histogram;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology rule by rule, in a TopologyTestDriver. The driver runs every sub-topology in one task, 0_0, so the
 * pipeline counters of both steps carry task="0_0" here (in Kafka Streams the aggregate step's tasks are 1_N).
 */
class MetricsTopologyTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void aReplaysInputEndSkipsEveryRecordFromThatOffsetOnAsIfAbsent() {
        try (Pipeline p = Pipeline.replayingUpTo(Map.of(0, 2L))) {
            p.send(batch("e1", T0, counter("requests_total", 2)));
            p.send(batch("e2", T0 + 1000, counter("requests_total", 3)));
            p.send(batch("e3", T0 + 2000, counter("requests_total", 5), counter("other_total", 1)));
            p.sendBytes("garbage", new byte[]{1, 2, 3}, T0 + 3000);
            assertThat(p.value("requests{job=\"fn\"}")).isEqualTo(5.0);
            assertThat(p.aggregate("requests{job=\"fn\"}").getUpdatedTime()).isEqualTo(Instant.ofEpochMilli(T0 + 1000));
            assertThat(p.aggregates()).doesNotContainKey("other{job=\"fn\"}");
            assertThat(p.counter("mayfly_pipeline_events{task=\"0_0\"}")).isEqualTo(2.0);
            assertThat(p.deadLetters()).isEmpty();
        }
    }

    @Test
    void deltaCountersSumIntoOneSeriesStoredWithoutTotal() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("e1", T0, counter("requests_total", 2, "code", "200"), counter("requests", 3, "code", "200")));
            p.send(batch("e2", T0 + 1000, counter("requests_total", 5, "code", "200")));
            Aggregate a = p.aggregate("requests{code=\"200\",job=\"fn\"}");
            assertThat(a.getValue()).isEqualTo(10.0);
            assertThat(a.getType()).isEqualTo(MetricType.COUNTER);
            assertThat(a.getName()).isEqualTo("requests");
            assertThat(a.getCreatedTime()).isEqualTo(Instant.ofEpochMilli(T0));
            assertThat(a.getUpdatedTime()).isEqualTo(Instant.ofEpochMilli(T0 + 1000));
        }
    }

    @Test
    void seriesIdentityUsesGroupingLabelsJobFunctionAndRegion() {
        try (Pipeline p = Pipeline.start()) {
            MetricEventBatch b = MetricEventBatch.newBuilder(batch("e1", T0, counter("hits", 1, "zone", "point", "job", "ignored")))
                    .setSource(Source.newBuilder().setJob("checkout").setFunction("pay").setRegion("eu").setInstance("i-1").build())
                    .setGroupingLabels(Map.of("zone", "group"))
                    .build();
            p.send(b);
            assertThat(p.aggregates()).containsOnlyKeys("hits{function=\"pay\",job=\"checkout\",region=\"eu\",zone=\"group\"}");
        }
    }

    @Test
    void badBytesGoToTheDeadLetterTopicWithReasonAndSourceAndProcessingContinues() {
        try (Pipeline p = Pipeline.start()) {
            p.sendBytes("k1", new byte[]{1, 2, 3, 4, 5, 6}, T0);
            p.sendBytes("k2", new byte[]{(byte) 0xC3, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9}, T0);
            p.send(batch("e1", T0, counter("ok", 1)));
            List<TestRecord<byte[], byte[]>> dl = p.deadLetters();
            assertThat(dl).hasSize(2);
            assertThat(header(dl.get(0), Topics.HEADER_REASON)).isEqualTo("unknown_framing");
            assertThat(header(dl.get(1), Topics.HEADER_REASON)).isEqualTo("unknown_schema");
            assertThat(header(dl.get(0), Topics.HEADER_SOURCE_TOPIC)).isEqualTo(Topics.EVENTS);
            assertThat(header(dl.get(0), Topics.HEADER_SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(dl.get(1), Topics.HEADER_SOURCE_OFFSET)).isEqualTo("1");
            assertThat(header(dl.get(0), Topics.HEADER_DETAIL)).isNotBlank();
            assertThat(new String(dl.get(0).key())).isEqualTo("k1");
            assertThat(dl.get(0).value()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(p.value("ok{job=\"fn\"}")).isEqualTo(1.0);
            assertThat(p.counter("mayfly_pipeline_rejects{reason=\"unknown_framing\",task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void aHistogramGroupedByLeIsRejectedAndTheRestOfItsBatchCounts() {
        try (Pipeline p = Pipeline.start(Map.of())) {
            p.send(MetricEventBatch.newBuilder(batch("e1", T0, histogram("h", new double[]{1}, new long[]{1, 1}, 1), counter("c", 3)))
                    .setGroupingLabels(Map.of("le", "5")).build());
            assertThat(p.deadLetterReasons()).containsExactly("reserved_label_name");
            assertThat(p.aggregates()).containsOnlyKeys("c{job=\"fn\",le=\"5\"}");
            assertThat(p.value("c{job=\"fn\",le=\"5\"}")).isEqualTo(3.0);
        }
    }

    @Test
    void eachInvalidPointIsRejectedAloneWithItsReasonAndValidPointsStillCount() {
        long[] good = {1, 2, 3};
        Map<String, MetricPoint> bad = new java.util.LinkedHashMap<>();
        bad.put("invalid_metric_name", counter("9lives", 1));
        bad.put("invalid_metric_name ", counter("jobs_total_total", 1));
        bad.put("reserved_metric_name", counter("mayfly_pipeline_events", 1));
        bad.put("invalid_label_name", counter("c", 1, "bad-label", "x"));
        bad.put("reserved_label_name", counter("c", 1, "__name__", "x"));
        bad.put("label_value_too_long", counter("c", 1, "l", "x".repeat(11)));
        bad.put("too_many_labels", counter("c", 1, "a", "1", "b", "2", "c", "3", "d", "4"));
        bad.put("non_finite_value", counter("c", Double.POSITIVE_INFINITY));
        bad.put("negative_counter", counter("c", -1));
        bad.put("summary", MetricPoint.newBuilder(counter("s", 1)).setType(MetricType.SUMMARY).build());
        bad.put("unknown_type", MetricPoint.newBuilder(counter("u", 1)).setType(MetricType.UNKNOWN).build());
        bad.put("invalid_histogram_bounds", histogram("h", new double[]{2, 1}, good, 1));
        bad.put("invalid_histogram_buckets", histogram("h", new double[]{1}, good, 1));
        bad.put("histogram_count_mismatch", MetricPoint.newBuilder(histogram("h", new double[]{1, 2}, good, 1))
                .setHistogram(dev.mayfly.schemas.avro.HistogramValue.newBuilder(histogram("h", new double[]{1, 2}, good, 1).getHistogram())
                        .setCount(7).build()).build());
        bad.put("invalid_histogram_bounds ", histogram("h", new double[]{1, Double.POSITIVE_INFINITY}, good, 1));
        bad.put("invalid_histogram_buckets ", histogram("h", new double[]{1, 2}, new long[]{1, -1, 3}, 1));
        bad.put("reserved_label_name ", histogram("h", new double[]{1}, new long[]{1, 1}, 1, "le", "5"));
        try (Pipeline p = Pipeline.start(Map.of("max.labels", "4", "max.label.value.length", "10"))) {
            java.util.List<MetricPoint> points = new java.util.ArrayList<>(bad.values());
            points.add(counter("valid", 7));
            MetricEventBatch b = MetricEventBatch.newBuilder(batch("e1", T0)).setPoints(points).build();
            p.send(b);
            assertThat(p.deadLetterReasons()).containsExactlyElementsOf(bad.keySet().stream().map(String::trim).toList());
            TestRecord<byte[], byte[]> summary = p.deadLetters().get(9);
            assertThat(header(summary, Topics.HEADER_DETAIL)).isEqualTo("summaries cannot be aggregated; send a histogram");
            MetricEventBatch onePoint = Pipeline.EVENTS.decode(summary.value());
            assertThat(onePoint.getEventId()).isEqualTo("e1");
            assertThat(onePoint.getPoints()).hasSize(1);
            assertThat(onePoint.getPoints().get(0).getName()).isEqualTo("s");
            assertThat(new String(summary.key())).isEqualTo("e1");
            assertThat(p.aggregates()).containsOnlyKeys("valid{job=\"fn\"}");
            assertThat(p.value("valid{job=\"fn\"}")).isEqualTo(7.0);
            assertThat(p.counter("mayfly_pipeline_rejects{job=\"fn\",reason=\"summary\",task=\"0_0\"}")).isEqualTo(1.0);
            assertThat(p.counter("mayfly_pipeline_rejects{job=\"fn\",reason=\"invalid_histogram_bounds\",task=\"0_0\"}")).isEqualTo(2.0);
            assertThat(p.counter("mayfly_pipeline_points{task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void aBatchLevelDefectRejectsTheWholeBatch() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("", T0, counter("c", 1)), T0);
            p.send(MetricEventBatch.newBuilder(batch("e2", T0, counter("c", 1))).setSource(Source.newBuilder().setJob("").build()).build());
            p.send(MetricEventBatch.newBuilder(batch("e3", T0, counter("c", 1))).setGroupingLabels(Map.of("bad-name", "x")).build());
            assertThat(p.deadLetterReasons()).containsExactly("empty_event_id", "invalid_job", "invalid_label_name");
            assertThat(p.aggregates()).isEmpty();
        }
    }

    @Test
    void anEventIdTheGatewayMadeForItsRecordAloneIsNotLookedUpUnlessTheRecordWasRedriven() {
        try (Pipeline p = Pipeline.start()) {
            // the gateway marks a record whose id it made for it alone: the id is neither looked up nor stored
            MetricEventBatch unique = batch("u1", T0, counter("c", 1));
            p.send(unique, T0, Topics.HEADER_UNIQUE_EVENT_ID, "1");
            p.send(unique, T0, Topics.HEADER_UNIQUE_EVENT_ID, "1"); // no record carries it twice, but if one did
            p.send(unique, T0); // nor was it stored: an unmarked record with that id counts
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(3.0);
            assertThat(p.counter("mayfly_pipeline_duplicates{task=\"0_0\"}")).isZero();
            // a record redriven twice is looked up whatever its headers say: counted once
            MetricEventBatch redriven = batch("redrive-1", T0, counter("d", 1));
            p.send(redriven, T0, Topics.HEADER_UNIQUE_EVENT_ID, "1", Topics.HEADER_REDRIVEN_EVENT_ID, "e9");
            p.send(redriven, T0, Topics.HEADER_UNIQUE_EVENT_ID, "1", Topics.HEADER_REDRIVEN_EVENT_ID, "e9");
            assertThat(p.value("d{job=\"fn\"}")).isEqualTo(1.0);
            assertThat(p.counter("mayfly_pipeline_duplicates{task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void aRetriedBatchCountsOnceWithinTheHorizonAndAgainAfterIt() {
        try (Pipeline p = Pipeline.start(Map.of("dedup.horizon", "1h", "event.lateness", "2d", "series.ttl", "1d"))) {
            MetricEventBatch b = batch("e1", T0, counter("c", 1));
            p.send(b, T0);
            p.send(b, T0 + 1000);
            p.send(b, T0 + 59 * 60_000);
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(1.0);
            assertThat(p.counter("mayfly_pipeline_duplicates{task=\"0_0\"}")).isEqualTo(2.0);
            // far beyond the horizon (and after other traffic moved stream time on) the id has expired
            p.send(batch("other", T0 + 5 * 3600_000L, counter("d", 1)));
            p.send(b, T0 + 5 * 3600_000L);
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void futureEmitTimesAreClampedAndLateOnesRejected() {
        try (Pipeline p = Pipeline.start(Map.of("event.future.skew", "5m", "event.lateness", "1h"))) {
            p.send(batch("future", T0 + 10 * 60_000, gauge("g", 1)), T0);
            assertThat(p.aggregate("g{job=\"fn\"}").getUpdatedTime()).isEqualTo(Instant.ofEpochMilli(T0));
            p.send(batch("late", T0 - 2 * 3600_000L, gauge("g", 2)), T0);
            // within lateness: accepted, but LAST keeps the newer value
            p.send(batch("older", T0 - 30 * 60_000, gauge("g", 3)), T0);
            assertThat(p.deadLetterReasons()).containsExactly("late");
            assertThat(p.value("g{job=\"fn\"}")).isEqualTo(1.0);
            assertThat(p.counter("mayfly_pipeline_clamped_events{task=\"0_0\"}")).isEqualTo(1.0);
            assertThat(p.counter("mayfly_pipeline_late_events{task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void latenessIsJudgedPerRecordSoOneBadClockDoesNotMakeOthersLate() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("far-future", T0 + 365L * 24 * 3600_000, counter("c", 1)), T0);
            p.send(batch("normal", T0 + 1000, counter("c", 1)), T0 + 1000);
            assertThat(p.deadLetterReasons()).isEmpty();
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void cumulativeCountersBecomeDeltasPerStreamWithResets() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("a1", T0, cumulative("c", "s1", T0, 10)));
            p.send(batch("b1", T0 + 1, cumulative("c", "s2", T0, 5)));
            p.send(batch("a2", T0 + 2, cumulative("c", "s1", T0, 15)));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(20.0);
            // new start time: a reset, the whole value counts
            p.send(batch("a3", T0 + 3, cumulative("c", "s1", T0 + 3, 4)));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(24.0);
            // went down with the same start time, milliseconds later: an older total that arrived late (two pushes of
            // one client in flight at once); it adds nothing
            p.send(batch("b2", T0 + 4, cumulative("c", "s2", T0, 2)));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(24.0);
            p.send(batch("b3", T0 + 5, cumulative("c", "s2", T0, 6)));
            assertThat(p.value("c{job=\"fn\"}")).as("growth from the highest total of the start time").isEqualTo(25.0);
            // a stream without start times that went down at a newer event time: a reset it could not mark
            p.send(batch("c1", T0 + 4, cumulative("c", "s3", null, 10)));
            p.send(batch("c2", T0 + 5, cumulative("c", "s3", null, 3)));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(38.0);
            // a reordered older point: already included, adds nothing
            p.send(batch("a-old", T0 + 1, cumulative("c", "s1", T0 + 3, 1)), T0 + 5);
            p.send(batch("c-old", T0 + 3, cumulative("c", "s3", null, 1)), T0 + 5);
            // a late point of the previous epoch that grew: adds its growth
            p.send(batch("a-prev", T0 + 2, cumulative("c", "s1", T0, 17)), T0 + 5);
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(40.0);
            // went down with the same start time seconds after the stream's newest total: a reset of a source whose
            // start time is its observer's (a collector scraping a server that restarted), counted whole
            p.send(batch("b4", T0 + 10_000, cumulative("c", "s2", T0, 1)));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(41.0);
        }
    }

    @Test
    void cumulativeStreamsAreRememberedAsLongAsTheirSeries() {
        try (Pipeline p = Pipeline.start(Map.of("cumulative.stream.idle", "1m", "series.ttl", "1h", "expiry.scan.interval", "10s"))) {
            p.send(batch("a1", T0, cumulative("c", "s1", null, 10)));
            p.send(batch("x", T0 + 120_000, counter("other", 1)));
            // idle longer than cumulative.stream.idle, but its series lives: the next total counts only its growth
            p.send(batch("a2", T0 + 121_000, cumulative("c", "s1", null, 12)));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(12.0);
        }
    }

    @Test
    void idleCumulativeStreamsAreForgottenWithTheirSeries() {
        try (Pipeline p = Pipeline.start(Map.of("cumulative.stream.idle", "1m", "series.ttl", "2m", "expiry.scan.interval", "10s"))) {
            p.send(batch("a1", T0, cumulative("c", "s1", null, 10)));
            p.send(batch("x", T0 + 200_000, counter("other", 1)));
            assertThat(p.tombstones()).containsExactly("c{job=\"fn\"}");
            // the series started again: the returning stream's total is the new series' first contribution
            p.send(batch("a2", T0 + 201_000, cumulative("c", "s1", null, 12)));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(12.0);
        }
    }

    @Test
    void gaugesKeepLastByEventTimeWithDeterministicTies() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("b", T0 + 10, gauge("g", 1)));
            p.send(batch("a", T0 + 5, gauge("g", 2)), T0 + 10);
            assertThat(p.value("g{job=\"fn\"}")).isEqualTo(1.0);
            p.send(batch("a", T0 + 10, gauge("t", 1)));
            p.send(batch("c", T0 + 10, gauge("t", 2)));
            p.send(batch("b", T0 + 10, gauge("t", 3)));
            assertThat(p.value("t{job=\"fn\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void gaugeMaxMinSumByRuleAndPerPointWhereTheRuleAllowsIt() throws Exception {
        String rules = """
                rules:
                  - match: "peak_*"
                    aggregation: max
                  - regex: "low_.*"
                    aggregation: min
                  - match: "inflight"
                    aggregation: sum
                  - match: "flex"
                    allow: [max]
                """;
        try (Pipeline p = Pipeline.withRules(rules, Map.of())) {
            for (int i = 0; i < 3; i++) {
                double v = new double[]{5, 9, 2}[i];
                p.send(batch("e" + i, T0 + i, gauge("peak_mem", v), gauge("low_mem", v), gauge("inflight", v),
                        gauge("flex", v, Aggregation.MAX, "kind", "max"), gauge("flex", v, Aggregation.MIN, "kind", "min")));
            }
            assertThat(p.value("peak_mem{job=\"fn\"}")).isEqualTo(9.0);
            assertThat(p.aggregate("peak_mem{job=\"fn\"}").getAggregation()).isEqualTo(Aggregation.MAX);
            assertThat(p.value("low_mem{job=\"fn\"}")).isEqualTo(2.0);
            assertThat(p.value("inflight{job=\"fn\"}")).isEqualTo(16.0);
            assertThat(p.value("flex{job=\"fn\",kind=\"max\"}")).isEqualTo(9.0);
            // MIN is not allowed by the rule: the rule's aggregation (LAST) applies
            assertThat(p.value("flex{job=\"fn\",kind=\"min\"}")).isEqualTo(2.0);
            assertThat(p.aggregate("flex{job=\"fn\",kind=\"min\"}").getAggregation()).isEqualTo(Aggregation.LAST);
            assertThat(p.counter("mayfly_pipeline_ignored_aggregation_hints{task=\"0_0\"}")).as("the three MIN points, visible")
                    .isEqualTo(3.0);
        }
    }

    @Test
    void ruleByAndWithoutShapeTheSeriesAndJobIsAlwaysKept() throws Exception {
        String rules = """
                rules:
                  - match: "by_*"
                    by: [route]
                  - match: "without_*"
                    without: [pod]
                """;
        try (Pipeline p = Pipeline.withRules(rules, Map.of())) {
            p.send(batch("e1", T0, counter("by_x", 1, "route", "/a", "pod", "p1"), counter("by_x", 2, "route", "/a", "pod", "p2"),
                    counter("without_y", 1, "route", "/a", "pod", "p1"), counter("without_y", 2, "route", "/a", "pod", "p2")));
            assertThat(p.aggregates()).containsOnlyKeys("by_x{job=\"fn\",route=\"/a\"}", "without_y{job=\"fn\",route=\"/a\"}");
            assertThat(p.value("by_x{job=\"fn\",route=\"/a\"}")).isEqualTo(3.0);
        }
    }

    @Test
    void histogramsMergeBucketByBucketAndOtherBoundsIntoTheirUnion() {
        try (Pipeline p = Pipeline.start()) {
            double[] bounds = {0.1, 1};
            p.send(batch("e1", T0, histogram("lat", bounds, new long[]{1, 2, 3}, 4.5)));
            p.send(batch("e2", T0 + 1, histogram("lat", bounds, new long[]{0, 1, 1}, 2.5),
                    histogram("lat", bounds, new long[]{1, 0, 0}, 0.05)));
            Aggregate a = p.aggregate("lat{job=\"fn\"}");
            assertThat(a.getHistogram().getBucketCounts()).containsExactly(2L, 3L, 4L);
            assertThat(a.getHistogram().getCount()).isEqualTo(9);
            assertThat(a.getHistogram().getSum()).isEqualTo(7.05);

            // a deploy with other buckets, two versions in one batch: each bucket goes to the union's bucket of its
            // own upper bound, so le="0.5" counts what is known to be at or below 0.5 (2 old at 0.1, 1 new)
            p.send(batch("e3", T0 + 2, histogram("lat", new double[]{0.5, 1}, new long[]{1, 1, 1}, 3),
                    histogram("lat", new double[]{2}, new long[]{1, 1}, 2.5)));
            a = p.aggregate("lat{job=\"fn\"}");
            assertThat(a.getHistogram().getBounds()).containsExactly(0.1, 0.5, 1.0, 2.0);
            assertThat(a.getHistogram().getBucketCounts()).containsExactly(2L, 1L, 4L, 1L, 6L);
            assertThat(a.getHistogram().getCount()).isEqualTo(14);
            assertThat(a.getHistogram().getSum()).isEqualTo(12.55);
            // the old layout again: its buckets add to the same union buckets
            p.send(batch("e4", T0 + 3, histogram("lat", bounds, new long[]{1, 1, 1}, 1.6)));
            a = p.aggregate("lat{job=\"fn\"}");
            assertThat(a.getHistogram().getBucketCounts()).containsExactly(3L, 1L, 5L, 1L, 7L);
            assertThat(a.getHistogram().getCount()).isEqualTo(17);
            assertThat(p.deadLetters()).isEmpty();
        }
    }

    @Test
    void aCumulativeHistogramWhoseBoundsChangeStartedAgainALateTotalOfTheOldBoundsCountsItsGrowthAndARollbackCountsWhole() {
        try (Pipeline p = Pipeline.start()) {
            java.util.function.BiFunction<double[], long[], MetricPoint> total = (bounds, counts) ->
                    MetricPoint.newBuilder(histogram("lat", bounds, counts, 1.0)).setTemporality(Temporality.CUMULATIVE)
                            .setStreamId("s1").setStartTime(Instant.ofEpochMilli(T0)).build();
            double[] before = {0.1, 1};
            double[] after = {0.5, 1};
            p.send(batch("e1", T0 + 1_000, total.apply(before, new long[]{1, 1, 1})));
            // with the same start time, other buckets, one second later: the source started again, counted whole
            p.send(batch("e3", T0 + 3_000, total.apply(after, new long[]{1, 0, 0})));
            assertThat(p.aggregate("lat{job=\"fn\"}").getHistogram().getCount()).isEqualTo(4);
            // the old bounds' second total, arriving late: only its growth over the first (one observation at 1)
            p.send(batch("e2", T0 + 2_000, total.apply(before, new long[]{1, 2, 1})));
            Aggregate a = p.aggregate("lat{job=\"fn\"}");
            assertThat(a.getHistogram().getCount()).isEqualTo(5);
            assertThat(a.getHistogram().getBounds()).containsExactly(0.1, 0.5, 1.0);
            assertThat(a.getHistogram().getBucketCounts()).containsExactly(1L, 1L, 2L, 1L);
            // and the new bounds' totals grow from their own
            p.send(batch("e4", T0 + 4_000, total.apply(after, new long[]{2, 0, 1})));
            assertThat(p.aggregate("lat{job=\"fn\"}").getHistogram().getCount()).isEqualTo(7);
            // back to the old bounds (a rollback), newer than the new bounds' totals: started again, counted whole
            // although it is above the old bounds' last total, and then grows from there
            p.send(batch("e5", T0 + 5_000, total.apply(before, new long[]{1, 2, 3})));
            assertThat(p.aggregate("lat{job=\"fn\"}").getHistogram().getCount()).isEqualTo(13);
            p.send(batch("e6", T0 + 6_000, total.apply(before, new long[]{1, 2, 4})));
            assertThat(p.aggregate("lat{job=\"fn\"}").getHistogram().getCount()).isEqualTo(14);
            assertThat(p.counter("mayfly_pipeline_stale_cumulative_points{task=\"1_0\"}")).isZero();
        }
    }

    @Test
    void aUnionOfBoundsOverTheLimitIsRejectedAndTheSeriesKeepsItsBuckets() {
        try (Pipeline p = Pipeline.start()) {
            double[] even = new double[4096 / 2 + 1]; // a union of 4,098 bounds: over the documented 4,096
            double[] odd = new double[even.length];
            for (int i = 0; i < even.length; i++) {
                even[i] = 2 * i;
                odd[i] = 2 * i + 1;
            }
            long[] counts = new long[even.length + 1];
            counts[0] = 1;
            p.send(batch("e1", T0, histogram("wide", even, counts, 0)));
            p.send(batch("e2", T0 + 1, histogram("wide", odd, counts, 1)));
            Aggregate a = p.aggregate("wide{job=\"fn\"}");
            assertThat(a.getHistogram().getBounds()).hasSize(even.length);
            assertThat(a.getHistogram().getCount()).isEqualTo(1);
            assertThat(p.deadLetterReasons()).containsExactly("histogram_bounds_mismatch");
            MetricEventBatch rejected = Pipeline.EVENTS.decode(p.deadLetters().get(0).value());
            assertThat(rejected.getEventId()).isEqualTo("e2");
            assertThat(p.counter("mayfly_pipeline_rejects{job=\"fn\",reason=\"histogram_bounds_mismatch\",task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void tumblingWindowsPublishStatisticsWhenTheyClose() throws Exception {
        String rules = """
                rules:
                  - match: "load"
                    window: 1m
                    window_stats: [sum, max, min, avg]
                """;
        try (Pipeline p = Pipeline.withRules(rules, Map.of("window.grace", "0ms"))) {
            long w0 = 60_000L * (T0 / 60_000L);
            p.send(batch("e1", w0 + 1_000, gauge("load", 2)));
            p.send(batch("e2", w0 + 2_000, gauge("load", 6)));
            p.send(batch("e3", w0 + 30_000, gauge("load", 4)));
            assertThat(p.aggregates()).doesNotContainKey("load_max_1m{job=\"fn\"}");
            p.send(batch("e4", w0 + 61_000, gauge("load", 100)));
            p.send(batch("e5", w0 + 125_000, gauge("load", 1)));
            Aggregate max = p.aggregate("load_max_1m{job=\"fn\"}");
            assertThat(max.getType()).isEqualTo(MetricType.GAUGE);
            assertThat(max.getName()).isEqualTo("load_max_1m");
            assertThat(max.getValue()).isEqualTo(100.0);
            assertThat(max.getWindowStart()).isEqualTo(Instant.ofEpochMilli(w0 + 60_000));
            assertThat(max.getWindowEnd()).isEqualTo(Instant.ofEpochMilli(w0 + 120_000));
        }
        try (Pipeline p = Pipeline.withRules(rules, Map.of("window.grace", "0ms"))) {
            long w0 = 60_000L * (T0 / 60_000L);
            p.send(batch("e1", w0 + 1_000, gauge("load", 2)));
            p.send(batch("e2", w0 + 2_000, gauge("load", 6)));
            p.send(batch("e3", w0 + 30_000, gauge("load", 4)));
            p.send(batch("e4", w0 + 61_000, gauge("load", 100)));
            assertThat(p.value("load_sum_1m{job=\"fn\"}")).isEqualTo(12.0);
            assertThat(p.value("load_max_1m{job=\"fn\"}")).isEqualTo(6.0);
            assertThat(p.value("load_min_1m{job=\"fn\"}")).isEqualTo(2.0);
            assertThat(p.value("load_avg_1m{job=\"fn\"}")).isEqualTo(4.0);
            assertThat(p.aggregate("load_avg_1m{job=\"fn\"}").getWindowStart()).isEqualTo(Instant.ofEpochMilli(w0));
        }
    }

    @Test
    void idleSeriesExpireWithATombstoneAndStartAgainWithANewCreatedTime() {
        try (Pipeline p = Pipeline.start(Map.of("series.ttl", "5m", "expiry.scan.interval", "10s"))) {
            p.send(batch("e1", T0, counter("c", 3)));
            p.send(batch("e2", T0 + 4 * 60_000, counter("busy", 1)));
            assertThat(p.tombstones()).isEmpty();
            p.send(batch("e3", T0 + 6 * 60_000, counter("busy", 1)));
            assertThat(p.tombstones()).containsExactly("c{job=\"fn\"}");
            assertThat(p.aggregates()).doesNotContainKey("c{job=\"fn\"}");
            p.send(batch("e4", T0 + 7 * 60_000, counter("c", 1)));
            Aggregate again = p.aggregate("c{job=\"fn\"}");
            assertThat(again.getValue()).isEqualTo(1.0);
            assertThat(again.getCreatedTime()).isEqualTo(Instant.ofEpochMilli(T0 + 7 * 60_000));
            assertThat(p.counter("mayfly_pipeline_expired_series{task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void aGatewayTickAloneMovesTheClockSoIdleSeriesExpireWhileNothingIsPushed() {
        try (Pipeline p = Pipeline.start(Map.of("series.ttl", "5m", "expiry.scan.interval", "10s"))) {
            p.send(batch("e1", T0, counter("c", 3)));
            MetricEventBatch tick = MetricEventBatch.newBuilder(batch("tick-1", T0 + 6 * 60_000))
                    .setSource(new Source("mayfly-gateway-tick", null, null, null)).build();
            p.send(tick, T0 + 6 * 60_000, "mayfly.tick", "1");
            assertThat(p.tombstones()).contains("c{job=\"fn\"}");
            // a tick is time only: no job's push, no event counted
            assertThat(p.allAggregates().keySet()).noneMatch(k -> k.contains("mayfly-gateway-tick"));
            p.tick();
            assertThat(p.counter("mayfly_pipeline_events{task=\"0_0\"}")).isEqualTo(1.0);
            // the same batch without the header is a push (its job's last push is dated)
            p.send(MetricEventBatch.newBuilder(tick).setEventId("not-a-tick").build(), T0 + 6 * 60_000);
            assertThat(p.allAggregates().keySet()).anyMatch(k -> k.contains("mayfly-gateway-tick"));
            // and a batch with points is counted whatever its headers say
            p.send(batch("headed", T0 + 6 * 60_000, counter("c", 2)), T0 + 6 * 60_000, "mayfly.tick", "1");
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void aRuleTtlOverridesTheDefault() throws Exception {
        try (Pipeline p = Pipeline.withRules("rules:\n  - match: short\n    ttl: 1m\n", Map.of("series.ttl", "1h", "expiry.scan.interval", "10s"))) {
            p.send(batch("e1", T0, counter("short", 1), counter("long", 1)));
            p.send(batch("e2", T0 + 2 * 60_000, counter("other", 1)));
            assertThat(p.tombstones()).containsExactly("short{job=\"fn\"}");
        }
    }

    @Test
    void cardinalityLimitsRejectNewSeriesButExistingOnesKeepWorking() {
        // 4 per task: three data series and the job's last push time
        try (Pipeline p = Pipeline.start(Map.of("series.limit.per.metric.per.task", "2", "series.limit.per.task", "4"))) {
            p.send(batch("e1", T0, counter("a", 1, "i", "1"), counter("a", 1, "i", "2"), counter("a", 1, "i", "3")));
            p.send(batch("e2", T0, counter("b", 1), counter("c", 1), counter("a", 1, "i", "1")));
            assertThat(p.aggregates()).containsOnlyKeys("a{i=\"1\",job=\"fn\"}", "a{i=\"2\",job=\"fn\"}", "b{job=\"fn\"}");
            assertThat(p.value("a{i=\"1\",job=\"fn\"}")).isEqualTo(2.0);
            assertThat(p.deadLetterReasons()).containsExactly("cardinality_limit", "cardinality_limit");
            assertThat(p.counter("mayfly_pipeline_cardinality_rejects{task=\"0_0\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void anEmptyLabelIsNoLabelAsInPrometheusAndAnEmptyGroupingLabelDeletesTheSeriesWithoutIt() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("e1", T0, counter("c", 1, "a", "")));
            p.send(batch("e2", T0, counter("c", 2)));
            p.send(MetricEventBatch.newBuilder(batch("e3", T0, counter("c", 4, "instance", "x")))
                    .setGroupingLabels(Map.of("instance", "")).build());
            assertThat(p.aggregates()).containsOnlyKeys("c{job=\"fn\"}");
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(7.0);
            assertThat(p.allAggregates()).as("no group of empty labels").noneSatisfy((k, v) -> assertThat(k).startsWith("mayfly_group_"));
            p.send(Pipeline.deleteGroup("d1", T0 + 1, "fn", Map.of("instance", "")));
            assertThat(p.tombstones()).contains("c{job=\"fn\"}");
        }
    }

    @Test
    void deleteGroupTombstonesEverySeriesOfTheJobWithTheGroupingLabels() {
        try (Pipeline p = Pipeline.start()) {
            p.send(MetricEventBatch.newBuilder(batch("e1", T0, counter("c", 1), gauge("g", 1)))
                    .setGroupingLabels(Map.of("instance", "a")).build());
            p.send(MetricEventBatch.newBuilder(batch("e2", T0, counter("c", 1)))
                    .setGroupingLabels(Map.of("instance", "b")).build());
            p.send(Pipeline.deleteGroup("d1", T0 + 1, "fn", Map.of("instance", "a")));
            assertThat(p.tombstones()).containsExactlyInAnyOrder("c{instance=\"a\",job=\"fn\"}", "g{instance=\"a\",job=\"fn\"}",
                    "mayfly_group_last_push_timestamp_seconds{instance=\"a\",job=\"fn\"}");
            assertThat(p.aggregates()).containsOnlyKeys("c{instance=\"b\",job=\"fn\"}");
            assertThat(p.allAggregates()).as("the job's own last push time is not the group's")
                    .containsKeys("mayfly_job_last_push_timestamp_seconds{job=\"fn\"}",
                            "mayfly_group_last_push_timestamp_seconds{instance=\"b\",job=\"fn\"}");
            assertThat(p.counter("mayfly_pipeline_deleted_series{task=\"0_0\"}")).isEqualTo(3.0);
        }
    }

    @Test
    void typeAndAggregationMismatchesAreRejected() throws Exception {
        try (Pipeline p = Pipeline.withRules("rules:\n  - match: g\n    allow: [max]\n", Map.of())) {
            p.send(batch("e1", T0, counter("x", 1), gauge("g", 1)));
            p.send(batch("e2", T0, gauge("x", 1), gauge("g", 5, Aggregation.MAX)));
            assertThat(p.deadLetterReasons()).containsExactly("type_mismatch", "aggregation_mismatch");
            assertThat(p.value("x{job=\"fn\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void pipelineCountersArePublishedAsCountersPerTask() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("e1", T0, counter("c", 1), counter("c", 1), gauge("g", 1)));
            p.send(batch("e1", T0, counter("c", 1)));
            p.sendBytes("junk", new byte[]{9, 9, 9, 9, 9}, T0);
            p.tick();
            Aggregate events = p.aggregate("mayfly_pipeline_events{task=\"0_0\"}");
            assertThat(events.getType()).isEqualTo(MetricType.COUNTER);
            assertThat(events.getValue()).isEqualTo(3.0);
            assertThat(p.value("mayfly_pipeline_points{task=\"0_0\"}")).isEqualTo(3.0);
            assertThat(p.value("mayfly_pipeline_duplicates{task=\"0_0\"}")).isEqualTo(1.0);
            assertThat(p.value("mayfly_pipeline_rejects{reason=\"unknown_framing\",task=\"0_0\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void changesArePublishedOnThePublishIntervalWhenOneIsSet() {
        try (Pipeline p = Pipeline.start(Map.of("publish.interval", "1s"))) {
            p.send(batch("e1", T0, counter("c", 1)));
            p.send(batch("e2", T0, counter("c", 2)));
            assertThat(p.aggregates()).doesNotContainKey("c{job=\"fn\"}");
            p.driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
            assertThat(p.value("c{job=\"fn\"}")).isEqualTo(3.0);
        }
    }
}
