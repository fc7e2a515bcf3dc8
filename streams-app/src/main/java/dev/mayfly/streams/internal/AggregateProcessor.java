package dev.mayfly.streams.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.Label;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Steps 6 to 9 on the series-updates topic (keyed by series key): aggregate each series, turn cumulative streams
 * into deltas, accumulate tumbling windows, enforce cardinality limits, expire idle series and delete groups, and
 * publish changes. Everything it decides depends on event time and stream time only, never on the wall clock;
 * the wall clock only paces publication.
 */
public final class AggregateProcessor implements Processor<String, Update, String, Routed> {
    public static final String SERIES_STORE = "series";
    public static final String CUMULATIVE_STORE = "cumulative-streams";
    public static final String WINDOWS_STORE = "windows";
    public static final String UNPUBLISHED_STORE = "unpublished-series";
    public static final String METRICS_STORE = "aggregate-pipeline-metrics";
    private static final byte[] PENDING = new byte[0];
    private static final StringSerializer STRINGS = new StringSerializer();

    private final PipelineOptions options;
    private final AvroCodec<MetricEventBatch> eventsCodec;
    private final long graceMs;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, byte[]> series;
    private KeyValueStore<String, byte[]> cumulative;
    private KeyValueStore<Bytes, byte[]> windows;
    private KeyValueStore<String, byte[]> unpublishedStore;
    private SelfMetrics metrics;
    private final Set<String> unpublished = new LinkedHashSet<>();
    private final Map<String, Integer> seriesPerMetric = new HashMap<>();
    private int seriesCount;

    public AggregateProcessor(PipelineOptions options, AvroCodec<MetricEventBatch> eventsCodec) {
        this.options = options;
        this.eventsCodec = eventsCodec;
        this.graceMs = options.windowGrace().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        series = context.getStateStore(SERIES_STORE);
        cumulative = context.getStateStore(CUMULATIVE_STORE);
        windows = context.getStateStore(WINDOWS_STORE);
        unpublishedStore = context.getStateStore(UNPUBLISHED_STORE);
        metrics = new SelfMetrics(context.getStateStore(METRICS_STORE), context.taskId().toString());
        // init runs again when a corrupted task is revived: rebuild the in-memory views from the stores, from zero
        seriesCount = 0;
        seriesPerMetric.clear();
        unpublished.clear();
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (!SeriesState.decode(kv.value).derived) {
                    countSeries(kv.key, 1);
                }
            }
        }
        try (KeyValueIterator<String, byte[]> it = unpublishedStore.all()) {
            while (it.hasNext()) {
                unpublished.add(it.next().key);
            }
        }
        if (!options.publishInterval().isZero()) {
            context.schedule(options.publishInterval(), PunctuationType.WALL_CLOCK_TIME, t -> publishChanged());
        }
        context.schedule(options.selfMetricsInterval(), PunctuationType.WALL_CLOCK_TIME, t -> metrics.publish(context));
        context.schedule(options.expiryScanInterval(), PunctuationType.STREAM_TIME, this::expire);
        context.schedule(Duration.ofSeconds(1), PunctuationType.STREAM_TIME, this::closeWindows);
    }

    @Override
    public void process(Record<String, Update> record) {
        Update u = record.value();
        if (u == null) {
            return;
        }
        if (u.deleteGroup) {
            deleteGroup(u);
        } else {
            aggregate(record.key(), u);
        }
        if (options.publishInterval().isZero()) {
            publishChanged();
        }
    }

    private void aggregate(String key, Update u) {
        long now = context.currentStreamTimeMs();
        SeriesState s = SeriesState.decode(series.get(key));
        String name = SeriesKey.metricName(key);
        if (s == null) {
            if (seriesCount >= options.seriesLimitPerTask()) {
                metrics.add("cardinality_rejects", 1, now);
                reject(key, u, Rejection.of("cardinality_limit", "this task already keeps " + seriesCount
                        + " series, the limit per task; new series are rejected until some expire"));
                return;
            }
            if (seriesPerMetric.getOrDefault(name, 0) >= options.seriesLimitPerMetric()) {
                metrics.add("cardinality_rejects", 1, now);
                reject(key, u, Rejection.of("cardinality_limit", "metric '" + name + "' already has "
                        + options.seriesLimitPerMetric() + " series in this task, the limit per metric and task"));
                return;
            }
            s = SeriesState.start(u);
            countSeries(key, 1);
        } else if (s.type != u.type) {
            reject(key, u, Rejection.of("type_mismatch", "series " + key + " is a " + s.type + ", the point is a " + u.type));
            return;
        } else if (s.aggregation != u.aggregation) {
            reject(key, u, Rejection.of("aggregation_mismatch", "series " + key + " aggregates by " + s.aggregation
                    + ", the point asks for " + u.aggregation));
            return;
        } else if (s.histogram != null && !s.histogram.sameBounds(u.histogram)) {
            reject(key, u, Rejection.of("histogram_bounds_mismatch", "histogram " + key
                    + " has bounds different from the series' bounds; it is not merged"));
            return;
        }
        double amount = u.value;
        Histogram histogram = u.histogram;
        if (u.cumulative) {
            String streamKey = key + '\u0000' + u.streamId;
            CumulativeState c = CumulativeState.decode(cumulative.get(streamKey));
            CumulativeState.Delta d;
            if (c == null) {
                c = CumulativeState.first(u);
                d = CumulativeState.full(u);
            } else {
                d = c.apply(u);
            }
            cumulative.put(streamKey, c.encode());
            if (d.stale()) {
                // already included in a newer total; it still dates the series' start, whatever the arrival order
                metrics.add("stale_cumulative_points", 1, now);
                if (u.eventTime < s.createdTime || series.get(key) == null) {
                    s.createdTime = Math.min(s.createdTime, u.eventTime);
                    series.put(key, s.encode());
                    markChanged(key);
                }
                return;
            }
            amount = d.value();
            histogram = d.histogram();
        }
        Rejection overflow = s.overflowFrom(key, amount, histogram);
        if (overflow != null) {
            reject(key, u, overflow); // the series keeps its value: a sum is never served as +Inf
            return;
        }
        switch (u.type) {
            case COUNTER -> s.value += amount;
            case HISTOGRAM -> s.histogram.add(histogram);
            default -> s.addGauge(amount, u.eventTime, u.eventId);
        }
        // help and unit from the newest contribution; times as min/max of event times: independent of arrival order
        if (u.eventTime >= s.updatedTime) {
            s.help = u.help != null ? u.help : s.help;
            s.unit = u.unit != null ? u.unit : s.unit;
        }
        s.createdTime = Math.min(s.createdTime, u.eventTime);
        s.updatedTime = Math.max(s.updatedTime, u.eventTime);
        series.put(key, s.encode());
        markChanged(key);
        Rule rule = options.rules().forName(name);
        if (rule.window() != null && u.type != MetricType.HISTOGRAM) {
            addToWindow(key, rule, u.eventTime, amount, now);
        }
    }

    private void addToWindow(String key, Rule rule, long eventTime, double amount, long now) {
        long size = rule.window().toMillis();
        long end = Math.floorDiv(eventTime, size) * size + size;
        if (end + graceMs <= now) {
            metrics.add("window_late_points", 1, now);
            return;
        }
        Bytes windowKey = windowKey(end, key);
        WindowAccumulator acc = WindowAccumulator.decode(windows.get(windowKey));
        acc.add(amount);
        windows.put(windowKey, acc.encode());
    }

    /** Publishes the statistics of every window that closed (end + grace at or before stream time). */
    private void closeWindows(long streamTime) {
        List<KeyValue<Bytes, byte[]>> closed = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = windows.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                long end = ByteBuffer.wrap(kv.key.get()).getLong();
                if (end + graceMs > streamTime) {
                    break;
                }
                closed.add(kv);
            }
        }
        for (KeyValue<Bytes, byte[]> kv : closed) {
            windows.delete(kv.key);
            byte[] k = kv.key.get();
            long end = ByteBuffer.wrap(k).getLong();
            String key = new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
            Rule rule = options.rules().forName(SeriesKey.metricName(key));
            if (rule.window() == null) {
                continue;
            }
            WindowAccumulator acc = WindowAccumulator.decode(kv.value);
            for (Rule.WindowStat stat : rule.windowStats()) {
                String windowedKey = SeriesKeys.windowed(key, stat.suffix(), rule.windowText());
                SeriesState w = SeriesState.decode(series.get(windowedKey));
                if (w == null) {
                    w = new SeriesState();
                    w.type = MetricType.GAUGE;
                    w.derived = true;
                    w.createdTime = end;
                    w.aggregation = switch (stat) {
                        case SUM -> Aggregation.SUM;
                        case MAX -> Aggregation.MAX;
                        case MIN -> Aggregation.MIN;
                        case AVG -> Aggregation.LAST;
                    };
                }
                w.value = acc.stat(stat);
                w.windowStart = end - rule.window().toMillis();
                w.windowEnd = end;
                w.updatedTime = Math.max(w.updatedTime, end);
                series.put(windowedKey, w.encode());
                forwardAggregate(windowedKey, w);
            }
        }
    }

    /** Expires series idle (in event time) longer than their TTL, and cumulative streams idle too long. */
    private void expire(long streamTime) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                SeriesState s = SeriesState.decode(kv.value);
                if (streamTime - s.updatedTime > ttlMillis(kv.key, s)) {
                    expired.add(kv.key);
                }
            }
        }
        for (String key : expired) {
            remove(key);
            metrics.add("expired_series", 1, streamTime);
        }
        long idle = options.cumulativeIdle().toMillis();
        List<String> idleStreams = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = cumulative.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                // a stream is remembered at least as long as its series: forgetting it earlier would count its whole
                // running total again when it returns
                String seriesKey = kv.key.substring(0, kv.key.indexOf('\u0000'));
                long limit = Math.max(idle, ttlMillis(SeriesKey.metricName(seriesKey)));
                if (streamTime - CumulativeState.decode(kv.value).lastEventTime > limit) {
                    idleStreams.add(kv.key);
                }
            }
        }
        idleStreams.forEach(cumulative::delete);
    }

    private long ttlMillis(String key, SeriesState s) {
        String name = SeriesKey.metricName(key);
        return ttlMillis(s.derived ? SeriesKeys.windowedBase(name) : name);
    }

    private long ttlMillis(String metricName) {
        Duration ttl = options.rules().forName(metricName).ttl();
        return (ttl == null ? options.defaultTtl() : ttl).toMillis();
    }

    /** Deletes every series of the job whose labels include the grouping labels (this partition's share of them). */
    private void deleteGroup(Update u) {
        List<String> doomed = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                String key = it.next().key;
                if (inGroup(key, u)) {
                    doomed.add(key);
                }
            }
        }
        List<Bytes> doomedWindows = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = windows.all()) {
            while (it.hasNext()) {
                byte[] k = it.next().key.get();
                if (inGroup(new String(k, 8, k.length - 8, StandardCharsets.UTF_8), u)) {
                    doomedWindows.add(Bytes.wrap(k));
                }
            }
        }
        doomedWindows.forEach(windows::delete);
        for (String key : doomed) {
            remove(key);
        }
        metrics.add("deleted_series", doomed.size(), context.currentStreamTimeMs());
    }

    private static boolean inGroup(String key, Update u) {
        if (!key.contains("job=\"")) {
            return false;
        }
        SeriesKeys.Parsed parsed = SeriesKeys.parse(key);
        if (!u.job.equals(parsed.label("job"))) {
            return false;
        }
        for (Map.Entry<String, String> e : u.groupingLabels.entrySet()) {
            if (!e.getValue().equals(parsed.label(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Removes a series with its cumulative streams and publishes its tombstone. */
    private void remove(String key) {
        SeriesState s = SeriesState.decode(series.delete(key));
        if (s != null && !s.derived) {
            countSeries(key, -1);
        }
        List<String> streams = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = cumulative.prefixScan(key + '\u0000', STRINGS)) {
            while (it.hasNext()) {
                streams.add(it.next().key);
            }
        }
        streams.forEach(cumulative::delete);
        if (unpublished.remove(key)) {
            unpublishedStore.delete(key);
        }
        context.forward(new Record<String, Routed>(key, new Routed.Publish(null), Math.max(0, context.currentStreamTimeMs()), new RecordHeaders()));
    }

    private void markChanged(String key) {
        if (unpublished.add(key)) {
            unpublishedStore.put(key, PENDING);
        }
    }

    /** Publishes the current aggregate of every series changed since the last publication. */
    private void publishChanged() {
        for (String key : unpublished) {
            SeriesState s = SeriesState.decode(series.get(key));
            if (s != null) {
                forwardAggregate(key, s);
            }
            unpublishedStore.delete(key);
        }
        unpublished.clear();
    }

    private void forwardAggregate(String key, SeriesState s) {
        context.forward(new Record<String, Routed>(key, new Routed.Publish(s.toAggregate(SeriesKeys.parse(key))),
                Math.max(0, s.updatedTime), new RecordHeaders()));
    }

    private void countSeries(String key, int delta) {
        seriesCount += delta;
        seriesPerMetric.merge(SeriesKey.metricName(key), delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    /** Dead-letters a contribution as a one-point batch, with the series' labels as the point's labels. */
    private void reject(String key, Update u, Rejection r) {
        SeriesKeys.Parsed parsed = SeriesKeys.parse(key);
        Map<String, String> labels = new HashMap<>();
        String job = "";
        String function = null;
        String region = null;
        for (Label l : parsed.labels()) {
            switch (l.getName()) {
                case "job" -> job = l.getValue();
                case "function" -> function = l.getValue();
                case "region" -> region = l.getValue();
                default -> labels.put(l.getName(), l.getValue());
            }
        }
        MetricPoint point = MetricPoint.newBuilder()
                .setName(parsed.name())
                .setHelp(u.help)
                .setUnit(u.unit)
                .setType(u.type)
                .setLabels(labels)
                .setValue(u.value)
                .setTemporality(u.cumulative ? Temporality.CUMULATIVE : Temporality.DELTA)
                .setStreamId(u.cumulative && !u.streamId.isEmpty() ? u.streamId : null)
                .setStartTime(u.startTime == Update.NO_START_TIME ? null : Instant.ofEpochMilli(u.startTime))
                .setHistogram(u.histogram == null ? null : u.histogram.toAvro())
                .setAggregation(u.aggregation)
                .build();
        MetricEventBatch batch = MetricEventBatch.newBuilder()
                .setEventId(u.eventId)
                .setSource(Source.newBuilder().setJob(job).setFunction(function).setRegion(region).build())
                .setEmitTime(Instant.ofEpochMilli(u.eventTime))
                .setPoints(List.of(point))
                .build();
        RecordHeaders headers = Headers.deadLetter(r, options.eventsTopic(), u.sourcePartition, u.sourceOffset);
        context.forward(new Record<String, Routed>(null, new Routed.DeadLetter(u.eventId.getBytes(StandardCharsets.UTF_8),
                eventsCodec.encode(batch)), Math.max(0, u.eventTime), headers));
        metrics.addReject(r.reason(), job, context.currentStreamTimeMs());
    }

    static Bytes windowKey(long end, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + k.length).putLong(end).put(k).array());
    }
}
