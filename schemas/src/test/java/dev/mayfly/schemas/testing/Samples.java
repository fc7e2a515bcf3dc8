package dev.mayfly.schemas.testing;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.Label;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Records that use every field (optional ones set), for round-trip tests. */
public final class Samples {
    public static final Instant T0 = Instant.ofEpochMilli(1_790_000_000_123L);

    private Samples() {
    }

    public static MetricEventBatch batch(String eventId) {
        return MetricEventBatch.newBuilder()
                .setEventId(eventId)
                .setSource(Source.newBuilder().setJob("checkout").setFunction("pay").setRegion("eu-west-1").setInstance("i-1").build())
                .setEmitTime(T0)
                .setOperation(Operation.RECORD)
                .setGroupingLabels(Map.of("tenant", "acme"))
                .setPoints(List.of(
                        MetricPoint.newBuilder().setName("requests_total").setHelp("Requests.").setType(MetricType.COUNTER)
                                .setLabels(Map.of("route", "/pay", "quote", "say \"hi\"\n\\")).setValue(3).build(),
                        MetricPoint.newBuilder().setName("queue_depth").setType(MetricType.GAUGE).setUnit("items").setValue(-1.5)
                                .setTemporality(Temporality.CUMULATIVE).setStreamId("s-1").setStartTime(T0.minusSeconds(60))
                                .setAggregation(Aggregation.MAX).build(),
                        MetricPoint.newBuilder().setName("duration_seconds").setType(MetricType.HISTOGRAM)
                                .setHistogram(HistogramValue.newBuilder().setBounds(List.of(0.1, 1.0)).setBucketCounts(List.of(1L, 2L, 0L))
                                        .setSum(1.7).setCount(3).build()).build()))
                .build();
    }

    public static Aggregate aggregate() {
        return Aggregate.newBuilder()
                .setName("duration_seconds")
                .setLabels(List.of(Label.newBuilder().setName("job").setValue("checkout").build(),
                        Label.newBuilder().setName("route").setValue("/pay").build()))
                .setType(MetricType.HISTOGRAM)
                .setHelp("Duration.")
                .setUnit("seconds")
                .setAggregation(Aggregation.SUM)
                .setHistogram(HistogramValue.newBuilder().setBounds(List.of(0.1, 1.0)).setBucketCounts(List.of(1L, 2L, 0L))
                        .setSum(1.7).setCount(3).build())
                .setCreatedTime(T0.minusSeconds(3600))
                .setUpdatedTime(T0)
                .setWindowStart(T0.minusSeconds(60))
                .setWindowEnd(T0)
                .build();
    }
}
