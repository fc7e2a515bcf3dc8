package dev.mayfly.streams.internal;

import dev.mayfly.schemas.SeriesKey;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Expiry in event time: a series idle longer than its TTL (its rule's, else the default; a derived window series
 * uses its base metric's) is removed; a cumulative stream is forgotten when idle longer than the cumulative idle
 * span and at least its series' TTL (forgetting it earlier would count its whole running total again).
 */
final class Expiry {
    private final WriteBackSeries series;
    private final KeyValueStore<String, byte[]> cumulative;
    private final PipelineOptions options;

    Expiry(WriteBackSeries series, KeyValueStore<String, byte[]> cumulative, PipelineOptions options) {
        this.series = series;
        this.cumulative = cumulative;
        this.options = options;
    }

    /** Passes every expired series key to {@code remove}, then forgets idle cumulative streams; returns how many series expired. */
    int expire(long streamTime, Consumer<String> remove) {
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
        expired.forEach(remove);
        long idle = options.cumulativeIdle().toMillis();
        List<String> idleStreams = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = cumulative.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                String seriesKey = kv.key.substring(0, kv.key.indexOf('\u0000'));
                long limit = Math.max(idle, ttlMillis(SeriesKey.metricName(seriesKey)));
                if (streamTime - CumulativeState.decode(kv.value).lastEventTime > limit) {
                    idleStreams.add(kv.key);
                }
            }
        }
        idleStreams.forEach(cumulative::delete);
        return expired.size();
    }

    private long ttlMillis(String key, SeriesState s) {
        String name = SeriesKey.metricName(key);
        return ttlMillis(s.derived ? SeriesKeys.windowedBase(name) : name);
    }

    private long ttlMillis(String metricName) {
        if (LastPushTimes.isLastPush(metricName)) {
            return options.lastPushTtl().toMillis();
        }
        Duration ttl = options.rules().forName(metricName).ttl();
        return (ttl == null ? options.defaultTtl() : ttl).toMillis();
    }
}
