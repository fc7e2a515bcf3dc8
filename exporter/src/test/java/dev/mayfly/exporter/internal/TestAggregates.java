package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.Label;
import dev.mayfly.schemas.avro.MetricType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/** Aggregates as the streams app writes them, for tests. */
public final class TestAggregates {
    public static final Instant CREATED = Instant.ofEpochMilli(1_700_000_000_123L);
    public static final Instant UPDATED = Instant.ofEpochMilli(1_700_000_060_000L);

    private TestAggregates() {
    }

    /** {@code labels} as name, value pairs, in any order. */
    public static Aggregate.Builder aggregate(String name, MetricType type, String... labels) {
        TreeMap<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            sorted.put(labels[i], labels[i + 1]);
        }
        List<Label> avroLabels = new ArrayList<>();
        sorted.forEach((k, v) -> avroLabels.add(new Label(k, v)));
        return Aggregate.newBuilder().setName(name).setLabels(avroLabels).setType(type)
                .setAggregation(type == MetricType.GAUGE ? Aggregation.LAST : Aggregation.SUM)
                .setCreatedTime(CREATED).setUpdatedTime(UPDATED);
    }

    public static Aggregate counter(String name, double value, String... labels) {
        return aggregate(name, MetricType.COUNTER, labels).setValue(value).build();
    }

    public static Aggregate gauge(String name, double value, String... labels) {
        return aggregate(name, MetricType.GAUGE, labels).setValue(value).build();
    }

    public static HistogramValue histogram(double[] bounds, long[] perBucket, double sum) {
        List<Double> b = new ArrayList<>();
        Arrays.stream(bounds).forEach(b::add);
        List<Long> c = new ArrayList<>();
        Arrays.stream(perBucket).forEach(c::add);
        return new HistogramValue(b, c, sum, Arrays.stream(perBucket).sum());
    }

    public static String key(Aggregate a) {
        return SeriesKey.of(a.getName(), a.getLabels());
    }
}
