package dev.mayfly.streams.internal;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The series changed since the last publication of the aggregate step, in memory only. A change can be committed
 * before it is published, and a crash or a rebalance loses this set: so a task starts with EVERY series of its store
 * to be republished (the same committed values again, which the compacted aggregates topic and the exporter take as no
 * change). That costs one record per series per task start instead of a store write and a changelog record per
 * change. The republication goes in slices of at most {@link #REPUBLISH_SLICE} series per publication, after the
 * real changes, so a large store neither delays fresh changes nor makes one transaction too large to commit in time.
 */
final class ChangedSeries {
    /** Most series republished per publication after a task start (one slice per commit at the default interval). */
    static final int REPUBLISH_SLICE = 10_000;

    private final Set<String> changed = new LinkedHashSet<>();
    private final Set<String> republish = new LinkedHashSet<>();

    /** Every series of {@code series} is to be republished. */
    static ChangedSeries startingFrom(KeyValueStore<String, byte[]> series) {
        ChangedSeries changed = new ChangedSeries();
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                changed.republish.add(it.next().key);
            }
        }
        return changed;
    }

    /** Every key of {@code stored} is to be republished. */
    static ChangedSeries startingFrom(Iterable<String> stored) {
        ChangedSeries changed = new ChangedSeries();
        stored.forEach(changed.republish::add);
        return changed;
    }

    private ChangedSeries() {
    }

    void mark(String key) {
        changed.add(key);
    }

    /** Forgets {@code key} (the series is gone: its tombstone replaces any publication). */
    void forget(String key) {
        changed.remove(key);
        republish.remove(key);
    }

    /**
     * Passes every changed key to {@code publish}, in the order they first changed, then at most
     * {@link #REPUBLISH_SLICE} keys still to be republished, and forgets them.
     */
    void publish(Consumer<String> publish) {
        for (String key : changed) {
            republish.remove(key);
            publish.accept(key);
        }
        changed.clear();
        Iterator<String> it = republish.iterator();
        for (int n = 0; n < REPUBLISH_SLICE && it.hasNext(); n++) {
            publish.accept(it.next());
            it.remove();
        }
    }

    /** Series still to be republished since the task started (for tests). */
    int toRepublish() {
        return republish.size();
    }
}
