package dev.mayfly.launcher.internal.replay;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.Label;
import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReplaySummaryTest {
    private static Aggregate counter(String name, double value, String... labels) {
        List<Label> ls = new ArrayList<>();
        for (int i = 0; i < labels.length; i += 2) {
            ls.add(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]).build());
        }
        return Aggregate.newBuilder().setName(name).setLabels(ls).setType(MetricType.COUNTER).setAggregation(Aggregation.SUM)
                .setValue(value).setCreatedTime(Instant.EPOCH).setUpdatedTime(Instant.EPOCH).build();
    }

    @Test
    void sumsThePipelineCountersOverTasksAndJobsAndCountsThePushedSeries() {
        ReplaySummary s = ReplaySummary.of(List.of(
                counter("orders", 3, "job", "checkout"), counter("jobs_done", 9, "job", "nightly"),
                counter("mayfly_job_last_push_timestamp_seconds", 1.7e9, "job", "nightly"),
                counter("mayfly_pipeline_events", 5, "task", "0_0"), counter("mayfly_pipeline_events", 3, "task", "0_1"),
                counter("mayfly_pipeline_points", 12, "task", "0_0"), counter("mayfly_pipeline_duplicates", 1, "task", "0_1"),
                counter("mayfly_pipeline_rejects", 2, "reason", "late", "task", "0_0", "job", "a"),
                counter("mayfly_pipeline_rejects", 1, "reason", "late", "task", "0_1"),
                counter("mayfly_pipeline_rejects", 1, "reason", "type_mismatch", "task", "1_0")));
        assertThat(s).isEqualTo(new ReplaySummary(2, 8, 12, 1, Map.of("late", 3L, "type_mismatch", 1L), 0));
        assertThat(s.describe("agg", "dl")).isEqualTo(
                "read 8 batches, 12 points, 1 duplicate; wrote 2 series to agg; rejected 4 (late 3, type_mismatch 1) to dl");
    }

    @Test
    void redrivenRecordsLeftOutAreNamedWithHowToCountThem() {
        ReplaySummary s = ReplaySummary.of(List.of(counter("mayfly_pipeline_redriven_left_out", 2, "task", "0_0"),
                counter("mayfly_pipeline_redriven_left_out", 1, "task", "0_1")));
        assertThat(s.redrivenLeftOut()).isEqualTo(3);
        assertThat(s.describe("agg", "dl")).endsWith("; left out 3 redriven records (a replay meets their originals; "
                + "--include-redriven counts them, as a range without the originals needs)");
    }

    @Test
    void anEmptyTopicSaysSo() {
        assertThat(ReplaySummary.of(List.of()).describe("agg", "dl"))
                .isEqualTo("read 0 batches, 0 points, 0 duplicates; wrote 0 series to agg; rejected 0 to dl");
    }
}
