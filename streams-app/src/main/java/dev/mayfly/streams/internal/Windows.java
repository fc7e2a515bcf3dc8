package dev.mayfly.streams.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The tumbling windows of the aggregate step, in event time: points of a metric whose rule has a window accumulate
 * per (window end, series) in the windows store (keys sort by end); when stream time passes a window's end plus the
 * grace, each statistic of the rule becomes a derived gauge series ({@code name_window_stat}) in the series store.
 */
final class Windows {
    private final KeyValueStore<Bytes, byte[]> windows;
    private final WriteBackSeries series;
    private final Rules rules;
    private final long graceMs;
    private final SelfMetrics metrics;

    Windows(KeyValueStore<Bytes, byte[]> windows, WriteBackSeries series, Rules rules, long graceMs,
            SelfMetrics metrics) {
        this.windows = windows;
        this.series = series;
        this.rules = rules;
        this.graceMs = graceMs;
        this.metrics = metrics;
    }

    /** Adds {@code amount} at {@code eventTime} to the window of series {@code key}, unless the window already closed. */
    void add(String key, Rule rule, long eventTime, double amount, long streamTime) {
        long size = rule.window().toMillis();
        long end = Math.floorDiv(eventTime, size) * size + size;
        if (end + graceMs <= streamTime) {
            metrics.add("window_late_points", 1, streamTime);
            return;
        }
        Bytes windowKey = windowKey(end, key);
        WindowAccumulator acc = WindowAccumulator.decode(windows.get(windowKey));
        acc.add(amount);
        windows.put(windowKey, acc.encode());
    }

    /** Turns every window that closed (end + grace at or before stream time) into its derived series, each passed to {@code publish}. */
    void close(long streamTime, BiConsumer<String, SeriesState> publish) {
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
            String key = seriesKeyOf(k);
            Rule rule = rules.forName(SeriesKey.metricName(key));
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
                publish.accept(windowedKey, w);
            }
        }
    }

    /** Drops the open windows of every series {@code doomed} selects (a group delete). */
    void deleteWhere(Predicate<String> doomed) {
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = windows.all()) {
            while (it.hasNext()) {
                Bytes k = it.next().key;
                if (doomed.test(seriesKeyOf(k.get()))) {
                    keys.add(k);
                }
            }
        }
        keys.forEach(windows::delete);
    }

    private static String seriesKeyOf(byte[] windowKey) {
        return new String(windowKey, 8, windowKey.length - 8, StandardCharsets.UTF_8);
    }

    static Bytes windowKey(long end, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + k.length).putLong(end).put(k).array());
    }
}
