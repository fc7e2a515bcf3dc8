package dev.mayfly.streams.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pipeline counters of one task ({@code mayfly_pipeline_*{task="0_1",...}}), kept in a state store so they
 * commit with the data they count, and published as COUNTER aggregates. Every increment is written to the store
 * in the same transaction as the records it counts; publication happens on a punctuator, and after a restart
 * every counter is published again, so the aggregates topic always converges to the exact committed values.
 */
final class SelfMetrics {
    static final String PREFIX = "mayfly_pipeline_";

    private final KeyValueStore<String, byte[]> store;
    private final String task;
    private final Map<String, long[]> counters = new HashMap<>(); // key -> {value, created, updated}
    private final Map<String, String> keyCache = new HashMap<>();
    private final Set<String> unpublished = new LinkedHashSet<>();

    SelfMetrics(KeyValueStore<String, byte[]> store, String task) {
        this.store = store;
        this.task = task;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                Binary.Reader r = new Binary.Reader(kv.value);
                counters.put(kv.key, new long[]{r.readLong(), r.readLong(), r.readLong()});
                unpublished.add(kv.key);
            }
        }
    }

    /** Adds {@code n} to {@code mayfly_pipeline_<name>{task}}. */
    void add(String name, long n, long streamTime) {
        String key = keyCache.computeIfAbsent(name, k -> SeriesKey.of(PREFIX + k, new TreeMap<>(Map.of("task", task))));
        addByKey(key, n, streamTime);
    }

    /** Adds {@code n} to {@code mayfly_pipeline_<name>{reason,task}}. */
    void add(String name, String reason, long n, long streamTime) {
        String key = keyCache.computeIfAbsent(name + "\u0000" + reason,
                k -> SeriesKey.of(PREFIX + name, new TreeMap<>(Map.of("reason", reason, "task", task))));
        addByKey(key, n, streamTime);
    }

    private void addByKey(String key, long n, long streamTime) {
        long now = Math.max(0, streamTime);
        long[] c = counters.computeIfAbsent(key, k -> new long[]{0, now, now});
        c[0] += n;
        c[2] = Math.max(c[2], now);
        store.put(key, new Binary.Writer(24).writeLong(c[0]).writeLong(c[1]).writeLong(c[2]).toByteArray());
        unpublished.add(key);
    }

    long value(String key) {
        long[] c = counters.get(key);
        return c == null ? 0 : c[0];
    }

    /** Forwards every counter that changed since the last publication. */
    void publish(ProcessorContext<String, Routed> context) {
        for (String key : unpublished) {
            long[] c = counters.get(key);
            SeriesKeys.Parsed parsed = SeriesKeys.parse(key);
            Aggregate a = Aggregate.newBuilder()
                    .setName(parsed.name())
                    .setLabels(parsed.labels())
                    .setType(MetricType.COUNTER)
                    .setAggregation(Aggregation.SUM)
                    .setValue(c[0])
                    .setCreatedTime(Instant.ofEpochMilli(c[1]))
                    .setUpdatedTime(Instant.ofEpochMilli(c[2]))
                    .build();
            context.forward(new Record<String, Routed>(key, new Routed.Publish(a), c[2], new RecordHeaders()));
        }
        unpublished.clear();
    }
}
