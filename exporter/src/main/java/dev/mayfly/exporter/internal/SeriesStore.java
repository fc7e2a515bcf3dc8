package dev.mayfly.exporter.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The exporter's own copy of the aggregates topic: series grouped by metric name, each group keyed by the label
 * part of the series key (what is between the braces). One writer (the consumer thread) and any number of
 * concurrent readers (scrapes); a reader sees every series as it was at some moment during its iteration.
 * The series of a name are kept sorted (a skip list, about as compact as a hash map) in the order the Prometheus
 * client sorts data points in ({@link LabelPart#LABELS_ORDER}), so that a scrape never sorts them and can write a
 * family chunk by chunk.
 */
public final class SeriesStore {
    private final ConcurrentHashMap<String, ConcurrentSkipListMap<String, StoredSeries>> byName = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong newestUpdateMillis = new AtomicLong(Long.MIN_VALUE);

    /** Adds or replaces a series. */
    public void put(String metricName, String labelPart, StoredSeries series) {
        StoredSeries previous = byName.computeIfAbsent(metricName, n -> new ConcurrentSkipListMap<>(LabelPart.LABELS_ORDER)).put(labelPart, series);
        if (previous == null) {
            size.incrementAndGet();
        }
        newestUpdateMillis.accumulateAndGet(series.updatedMillis(), Math::max);
    }

    /** Removes a series (a tombstone); a name left without series is dropped. */
    public void remove(String metricName, String labelPart) {
        Map<String, StoredSeries> group = byName.get(metricName);
        if (group != null && group.remove(labelPart) != null) {
            size.decrementAndGet();
            if (group.isEmpty()) {
                byName.remove(metricName, group);
            }
        }
    }

    /** Removes every series (before the store is rebuilt from the beginning of the topic). */
    public void clear() {
        byName.clear();
        size.set(0);
        newestUpdateMillis.set(Long.MIN_VALUE);
    }

    public StoredSeries get(String metricName, String labelPart) {
        Map<String, StoredSeries> group = byName.get(metricName);
        return group == null ? null : group.get(labelPart);
    }

    public int size() {
        return size.get();
    }

    /** The newest {@code updated_time} ever stored, epoch millis; {@link Long#MIN_VALUE} when nothing was stored. */
    public long newestUpdateMillis() {
        return newestUpdateMillis.get();
    }

    /** Visits each metric name with its series (label part to series, in label part order); the map must not be modified. */
    public void forEachName(BiConsumer<String, Map<String, StoredSeries>> visitor) {
        byName.forEach(visitor);
    }

    public Map<String, StoredSeries> seriesNamed(String metricName) {
        Map<String, StoredSeries> group = byName.get(metricName);
        return group == null ? Map.of() : group;
    }
}
