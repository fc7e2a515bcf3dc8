package dev.mayfly.streams;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static dev.mayfly.streams.Pipeline.batch;
import static dev.mayfly.streams.Pipeline.counter;
import static org.assertj.core.api.Assertions.assertThat;

/** The jobs' and groups' last push times, through the real topology. */
class LastPushTimesTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final String JOB = "mayfly_job_last_push_timestamp_seconds{job=\"checkout\"}";

    private static MetricEventBatch from(String job, String eventId, long emitTime, Map<String, String> grouping) {
        return MetricEventBatch.newBuilder(batch(eventId, emitTime, counter("orders", 1)))
                .setSource(Source.newBuilder().setJob(job).build())
                .setGroupingLabels(grouping)
                .build();
    }

    @Test
    void theNewestRecordTimestampOfEachJobIsAGaugeWhateverTheArrivalOrder() {
        try (Pipeline p = Pipeline.start()) {
            p.send(from("checkout", "e1", T0, Map.of()), T0 + 5_000);
            p.send(from("checkout", "e2", T0, Map.of()), T0 + 1_000); // an older batch arriving later
            p.send(from("billing", "e3", T0, Map.of()), T0 + 2_000);
            Aggregate a = p.aggregate(JOB);
            assertThat(a.getType()).isEqualTo(MetricType.GAUGE);
            assertThat(a.getValue()).isEqualTo((T0 + 5_000) / 1000.0);
            assertThat(a.getHelp()).contains("newest batch");
            assertThat(p.value("mayfly_job_last_push_timestamp_seconds{job=\"billing\"}")).isEqualTo((T0 + 2_000) / 1000.0);
            assertThat(p.allAggregates().keySet()).as("no group series without grouping labels")
                    .noneMatch(k -> k.startsWith("mayfly_group_last_push_timestamp_seconds"));
        }
    }

    @Test
    void aDuplicateOrRejectedBatchDoesNotMoveIt() {
        try (Pipeline p = Pipeline.start()) {
            p.send(from("checkout", "e1", T0, Map.of()), T0);
            p.send(from("checkout", "e1", T0, Map.of()), T0 + 9_000); // a retry of the same batch
            MetricEventBatch bad = MetricEventBatch.newBuilder(from("checkout", "e2", T0, Map.of())).setEventId("").build();
            p.send(bad, T0 + 9_000);
            assertThat(p.value(JOB)).isEqualTo(T0 / 1000.0);
            assertThat(p.value("orders{job=\"checkout\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void eachGroupHasItsOwnLikeThePushgatewaysPushTime() {
        try (Pipeline p = Pipeline.start()) {
            p.send(from("checkout", "e1", T0, Map.of("instance", "a")), T0 + 1_000);
            p.send(from("checkout", "e2", T0, Map.of("instance", "b")), T0 + 3_000);
            assertThat(p.value("mayfly_group_last_push_timestamp_seconds{instance=\"a\",job=\"checkout\"}")).isEqualTo((T0 + 1_000) / 1000.0);
            assertThat(p.value("mayfly_group_last_push_timestamp_seconds{instance=\"b\",job=\"checkout\"}")).isEqualTo((T0 + 3_000) / 1000.0);
            assertThat(p.value(JOB)).isEqualTo((T0 + 3_000) / 1000.0);
        }
    }

    @Test
    void itOutlivesTheDataSeriesAndExpiresAfterItsOwnTtl() {
        try (Pipeline p = Pipeline.start(Map.of("series.ttl", "1m", "last.push.ttl", "10m", "expiry.scan.interval", "1s"))) {
            p.send(from("checkout", "e1", T0, Map.of()), T0);
            // another job's pushes move stream time on: 5 minutes, then 11
            p.send(from("billing", "e2", T0 + Duration.ofMinutes(5).toMillis(), Map.of()));
            assertThat(p.tombstones()).contains("orders{job=\"checkout\"}").doesNotContain(JOB);
            p.send(from("billing", "e3", T0 + Duration.ofMinutes(11).toMillis(), Map.of()));
            assertThat(p.tombstones()).contains(JOB);
        }
    }

    @Test
    void pastTheLimitItIsCountedButNotDeadLettered() {
        try (Pipeline p = Pipeline.start(Map.of("series.limit.per.task", "2"))) {
            p.send(from("checkout", "e1", T0, Map.of()), T0);  // orders + the job's last push: the task is full
            p.send(from("billing", "e2", T0, Map.of()), T0);
            assertThat(p.deadLetterReasons()).as("only the data point is dead-lettered").containsExactly("cardinality_limit");
            assertThat(p.counter("mayfly_pipeline_cardinality_rejects{task=\"0_0\"}")).isEqualTo(2.0);
            assertThat(p.counter("mayfly_pipeline_rejects{job=\"billing\",reason=\"cardinality_limit\",task=\"0_0\"}"))
                    .as("the job's data point and its last-push time, each a rejection of that job").isEqualTo(2.0);
        }
    }
}
