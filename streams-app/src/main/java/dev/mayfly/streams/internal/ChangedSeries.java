package dev.mayfly.streams.internal;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The series changed since the last publication of the aggregate step, in memory only. A change can be committed
 * before it is published, and a crash or a rebalance loses this set: so a task starts with EVERY series of its store
 * marked as changed, and its first publication republishes them all (the same committed values again, which the
 * compacted aggregates topic and the exporter take as no change). That costs one record per series per task start
 * instead of a store write and a changelog record per change.
 */
final class ChangedSeries {
    private final Set<String> keys = new LinkedHashSet<>();

    /** Every series of {@code series} starts as changed. */
    ChangedSeries(KeyValueStore<String, byte[]> series) {
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
    }

    void mark(String key) {
        keys.add(key);
    }

    /** Forgets {@code key} (the series is gone: its tombstone replaces any publication). */
    void forget(String key) {
        keys.remove(key);
    }

    /** Passes every changed key to {@code publish}, in the order they first changed, and forgets them all. */
    void publishAll(Consumer<String> publish) {
        for (String key : keys) {
            publish.accept(key);
        }
        keys.clear();
    }
}
