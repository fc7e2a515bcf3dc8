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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pipeline counters of one task ({@code mayfly_pipeline_*{task="0_1",...}}), kept in a state store so they
 * commit with the data they count, and published as COUNTER aggregates with their HELP text. Every increment is
 * written to the store in the same transaction as the records it counts; publication happens on a punctuator, and
 * after a restart every counter is published again, so the aggregates topic always converges to the exact committed
 * values. Rejections are counted per job when the job is known, for at most {@link #MAX_JOBS} jobs per task (others
 * are counted without a job label), so bad input cannot make the self-metrics grow without bound.
 */
final class SelfMetrics {
    static final String PREFIX = "mayfly_pipeline_";
    static final int MAX_JOBS = 1000;
    /** Every pipeline counter (its name after {@link #PREFIX}) and its HELP text: the one list of them. */
    static final Map<String, String> HELP = Map.ofEntries(
            Map.entry("events", "Records read from the events topic"),
            Map.entry("points", "Points accepted and aggregated"),
            Map.entry("duplicates", "Batches dropped because their event id was already counted"),
            Map.entry("redriven_left_out", "Records mayfly redrive published, left out by a replay or backfill that meets their originals"),
            Map.entry("rejects", "Records and points rejected to the dead-letter topic, by reason (and job when known)"),
            Map.entry("clamped_events", "Batches whose emit time was too far ahead and was clamped to the record timestamp"),
            Map.entry("late_events", "Batches rejected because their emit time was older than event.lateness"),
            Map.entry("delete_groups", "Group deletions processed"),
            Map.entry("expired_series", "Series removed after being idle longer than their TTL"),
            Map.entry("deleted_series", "Series removed by group deletions"),
            Map.entry("deleted_contributions", "Contributions written before a group deletion that reached the engine after it: deleted with their group"),
            Map.entry("unfinished_deletes", "Copies of group deletions taken as lost (the partition's data is 5 minutes younger than the delete), or missing when the delete was forgotten after dedup.horizon"),
            Map.entry("cardinality_rejects", "Points rejected because they would create a series beyond a cardinality limit"),
            Map.entry("stale_cumulative_points", "Cumulative points already included in a newer total of their stream"),
            Map.entry("window_late_points", "Points dropped because their tumbling window had already closed"),
            Map.entry("ignored_aggregation_hints", "Points that asked for an aggregation (mayfly_aggregation) their rule does not allow: aggregated by the rule's instead"));

    private final KeyValueStore<String, byte[]> store;
    private final String task;
    private final Map<String, long[]> counters = new HashMap<>(); // key -> {value, created, updated}
    private final Map<String, String> keyCache = new HashMap<>();
    private final Set<String> unpublished = new LinkedHashSet<>();
    private final Set<String> jobs = new HashSet<>();

    SelfMetrics(KeyValueStore<String, byte[]> store, String task) {
        this.store = store;
        this.task = task;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                Binary.Reader r = new Binary.Reader(kv.value);
                counters.put(kv.key, new long[]{r.readLong(), r.readLong(), r.readLong()});
                unpublished.add(kv.key);
                String job = SeriesKeys.parse(kv.key).label("job");
                if (job != null) {
                    jobs.add(job);
                }
            }
        }
    }

    /** Adds {@code n} to {@code mayfly_pipeline_<name>{task}}. */
    void add(String name, long n, long streamTime) {
        String key = keyCache.computeIfAbsent(name, k -> SeriesKey.of(known(k), new TreeMap<>(Map.of("task", task))));
        addByKey(key, n, streamTime);
    }

    /** Adds one to {@code mayfly_pipeline_rejects{job,reason,task}}; {@code job} null or empty when unknown. */
    void addReject(String reason, String job, long streamTime) {
        boolean perJob = job != null && !job.isEmpty() && (jobs.contains(job) || (jobs.size() < MAX_JOBS && jobs.add(job)));
        String cacheKey = perJob ? "rejects\u0000" + reason + "\u0000" + job : "rejects\u0000" + reason;
        String key = keyCache.computeIfAbsent(cacheKey, k -> {
            TreeMap<String, String> labels = new TreeMap<>(Map.of("reason", reason, "task", task));
            if (perJob) {
                labels.put("job", job);
            }
            return SeriesKey.of(known("rejects"), labels);
        });
        addByKey(key, 1, streamTime);
    }

    private static String known(String name) {
        if (!HELP.containsKey(name)) {
            throw new IllegalArgumentException("pipeline counter " + name + " has no HELP text in SelfMetrics.HELP");
        }
        return PREFIX + name;
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
                    .setHelp(HELP.get(parsed.name().substring(PREFIX.length())))
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
