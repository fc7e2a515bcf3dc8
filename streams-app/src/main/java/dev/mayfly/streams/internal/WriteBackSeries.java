package dev.mayfly.streams.internal;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The series store as the aggregate step uses it: the encoded series it touched lately, in a hash map in front of
 * the store, and the ones it changed written to the store once per commit ({@link CommitHook}) instead of once per
 * contribution. It replaces Kafka Streams' record cache on this store (a tree of byte keys, the most expensive part of
 * the aggregate step under many-group load), with the same guarantee: what is written before the commit is in the
 * transaction, what is held when the task closes without committing is dropped with the transaction, and the store
 * is restored from its changelog.
 *
 * <p>Contract: one task's processor, one thread. {@link #get} sees every {@link #put} and {@link #delete} at once;
 * {@link #all} writes back every held change first, so scans see them too. At most {@link #MAX_ENTRIES} series are
 * held; the least recently used is written back (if changed) and dropped first.
 */
final class WriteBackSeries {
    static final int MAX_ENTRIES = 50_000;

    private final KeyValueStore<String, byte[]> store;
    private final Set<String> changed = new HashSet<>();
    private final Map<String, byte[]> held = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            if (size() <= MAX_ENTRIES) {
                return false;
            }
            if (changed.remove(eldest.getKey())) {
                store.put(eldest.getKey(), eldest.getValue());
            }
            return true;
        }
    };

    WriteBackSeries(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    /** The encoded series, or null when there is none. */
    byte[] get(String key) {
        byte[] value = held.get(key);
        if (value == null) {
            value = store.get(key);
            if (value != null) {
                held.put(key, value);
            }
        }
        return value;
    }

    void put(String key, byte[] value) {
        held.put(key, value);
        changed.add(key);
    }

    /** Deletes the series from the store at once; returns what it was, or null. */
    byte[] delete(String key) {
        byte[] value = held.remove(key);
        changed.remove(key);
        byte[] stored = store.delete(key);
        return value != null ? value : stored;
    }

    /** Every series of the store, held changes included (they are written back first). Close the iterator. */
    KeyValueIterator<String, byte[]> all() {
        writeBack();
        return store.all();
    }

    /** Writes every held change to the store (before each commit, inside its transaction). */
    void writeBack() {
        for (String key : changed) {
            store.put(key, held.get(key));
        }
        changed.clear();
    }

    /** Forgets everything held (the task closed without committing: the store is restored from its changelog). */
    void discard() {
        held.clear();
        changed.clear();
    }
}
