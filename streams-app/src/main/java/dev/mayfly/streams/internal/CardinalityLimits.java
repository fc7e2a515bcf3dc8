package dev.mayfly.streams.internal;

import dev.mayfly.schemas.SeriesKey;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashMap;
import java.util.Map;

/**
 * The cardinality limits of one aggregate task: how many series it keeps in all and per metric name (derived window
 * series do not count). An in-memory view of the series store, rebuilt from it whenever the task (re)initializes.
 */
final class CardinalityLimits {
    private final int perTask;
    private final int perMetric;
    private final Map<String, Integer> seriesPerMetric = new HashMap<>();
    private int seriesCount;

    CardinalityLimits(int perTask, int perMetric) {
        this.perTask = perTask;
        this.perMetric = perMetric;
    }

    /** Counts the series of {@code series}, from zero. */
    void rebuild(KeyValueStore<String, byte[]> series) {
        seriesCount = 0;
        seriesPerMetric.clear();
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (!SeriesState.decode(kv.value).derived) {
                    count(kv.key, 1);
                }
            }
        }
    }

    /** Why a new series {@code key} may not be kept, or null when it may. */
    Rejection checkNew(String key) {
        if (seriesCount >= perTask) {
            return Rejection.of("cardinality_limit", "this task already keeps " + seriesCount
                    + " series, the limit per task; new series are rejected until some expire");
        }
        String name = SeriesKey.metricName(key);
        if (seriesPerMetric.getOrDefault(name, 0) >= perMetric) {
            return Rejection.of("cardinality_limit", "metric '" + name + "' already has "
                    + perMetric + " series in this task, the limit per metric and task");
        }
        return null;
    }

    /** Records a series kept ({@code delta} 1) or removed (-1). */
    void count(String key, int delta) {
        seriesCount += delta;
        seriesPerMetric.merge(SeriesKey.metricName(key), delta, (a, b) -> a + b == 0 ? null : a + b);
    }
}
