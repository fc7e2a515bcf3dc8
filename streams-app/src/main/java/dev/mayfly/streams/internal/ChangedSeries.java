package dev.mayfly.streams.internal;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The series changed since the last publication of the aggregate step. Kept in a store (so a change committed but
 * not yet published is published after a restart) with an in-memory view, rebuilt from the store on (re)initialization.
 */
final class ChangedSeries {
    private static final byte[] PENDING = new byte[0];
    private final KeyValueStore<String, byte[]> store;
    private final Set<String> keys = new LinkedHashSet<>();

    ChangedSeries(KeyValueStore<String, byte[]> store) {
        this.store = store;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
    }

    void mark(String key) {
        if (keys.add(key)) {
            store.put(key, PENDING);
        }
    }

    /** Forgets {@code key} (the series is gone: its tombstone replaces any publication). */
    void forget(String key) {
        if (keys.remove(key)) {
            store.delete(key);
        }
    }

    /** Passes every changed key to {@code publish}, in the order they first changed, and forgets them all. */
    void publishAll(Consumer<String> publish) {
        for (String key : keys) {
            publish.accept(key);
            store.delete(key);
        }
        keys.clear();
    }
}
