package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The exporter's own copy of the aggregates topic: series grouped by metric name, each group keyed by the label
 * part of the series key (what is between the braces). One writer (the consumer thread) and any number of
 * concurrent readers (scrapes); a reader sees every series as it was at some moment during its iteration.
 * The label parts of a name are kept sorted (a skip list) in the order the Prometheus client sorts data points in
 * ({@link LabelPart#LABELS_ORDER}), so that a scrape never sorts them and can write a family chunk by chunk; the
 * series themselves are in a hash map beside it, so that replacing the value of a known series (nearly every record
 * of the topic) is one hash lookup, not a walk of the skip list comparing label parts.
 */
public final class SeriesStore {
    private final ConcurrentHashMap<String, Family> byName = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong newestUpdateMillis = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong typesVersion = new AtomicLong();

    /** Adds or replaces a series. */
    public void put(String metricName, String labelPart, StoredSeries series) {
        Family family = byName.get(metricName);
        boolean newName = family == null;
        if (newName) {
            family = byName.computeIfAbsent(metricName, n -> new Family());
        }
        StoredSeries previous = family.values.put(labelPart, series);
        if (previous == null) {
            family.order.add(labelPart); // after the value: a reader that finds the label part finds its series
            size.incrementAndGet();
        }
        if (previous == null || previous.metadata().type() != series.metadata().type()) {
            MetricType before = newName ? null : family.servedType();
            family.types.incrementAndGet(series.metadata().type().ordinal()); // the new type's count first: a reader never sees fewer
            if (previous != null) {
                family.types.decrementAndGet(previous.metadata().type().ordinal());
            }
            if (family.servedType() != before) {
                typesVersion.incrementAndGet(); // after the counts
            }
        }
        newestUpdateMillis.accumulateAndGet(series.updatedMillis(), Math::max);
    }

    /** Removes a series (a tombstone); a name left without series is dropped. */
    public void remove(String metricName, String labelPart) {
        Family family = byName.get(metricName);
        StoredSeries removed = family == null ? null : family.values.remove(labelPart);
        if (removed != null) {
            family.order.remove(labelPart);
            size.decrementAndGet();
            MetricType before = family.servedType();
            family.types.decrementAndGet(removed.metadata().type().ordinal());
            if (family.values.isEmpty()) {
                byName.remove(metricName, family);
            }
            if (family.servedType() != before) {
                typesVersion.incrementAndGet();
            }
        }
    }

    /** Removes every series (before the store is rebuilt from the beginning of the topic). */
    public void clear() {
        byName.clear();
        typesVersion.incrementAndGet();
        size.set(0);
        newestUpdateMillis.set(Long.MIN_VALUE);
    }

    public StoredSeries get(String metricName, String labelPart) {
        Family family = byName.get(metricName);
        return family == null ? null : family.values.get(labelPart);
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
        byName.forEach((name, family) -> visitor.accept(name, family.view));
    }

    /**
     * The type the family stored under {@code metricName} is served as ({@link FamilyBuilder}'s rule: the type most of
     * its series have), or null when no series has that name. Constant time: the store counts each name's series by
     * type as they come and go.
     */
    public MetricType servedType(String metricName) {
        Family family = byName.get(metricName);
        return family == null ? null : family.servedType();
    }

    /**
     * A number that grows whenever the answer of {@link #servedType} changes for some name (a name comes or goes, or
     * its majority type changes); it grows after the change, so an answer read after reading it is at least as new.
     */
    public long typesVersion() {
        return typesVersion.get();
    }

    public Map<String, StoredSeries> seriesNamed(String metricName) {
        Family family = byName.get(metricName);
        return family == null ? Map.of() : family.view;
    }

    /** The series of one name: values by label part, and the label parts in order. */
    private static final class Family {
        final ConcurrentHashMap<String, StoredSeries> values = new ConcurrentHashMap<>();
        final ConcurrentSkipListSet<String> order = new ConcurrentSkipListSet<>(LabelPart.LABELS_ORDER);
        /** Series by type (ordinal of {@link MetricType}). */
        final AtomicIntegerArray types = new AtomicIntegerArray(MetricType.values().length);
        final Map<String, StoredSeries> view = new SortedView(this);

        MetricType servedType() {
            return FamilyBuilder.majorityType(types::get);
        }
    }

    /** A read-only view of a family in label part order; iteration skips a series removed while it runs. */
    private static final class SortedView extends AbstractMap<String, StoredSeries> {
        private final Family family;
        private final Set<Entry<String, StoredSeries>> entries;

        SortedView(Family family) {
            this.family = family;
            this.entries = new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, StoredSeries>> iterator() {
                    Iterator<String> keys = family.order.iterator();
                    return new Iterator<>() {
                        private Entry<String, StoredSeries> next = advance();

                        private Entry<String, StoredSeries> advance() {
                            while (keys.hasNext()) {
                                String key = keys.next();
                                StoredSeries value = family.values.get(key);
                                if (value != null) {
                                    return new SimpleImmutableEntry<>(key, value);
                                }
                            }
                            return null;
                        }

                        @Override
                        public boolean hasNext() {
                            return next != null;
                        }

                        @Override
                        public Entry<String, StoredSeries> next() {
                            if (next == null) {
                                throw new NoSuchElementException();
                            }
                            Entry<String, StoredSeries> current = next;
                            next = advance();
                            return current;
                        }
                    };
                }

                @Override
                public int size() {
                    return family.values.size();
                }
            };
        }

        @Override
        public Set<Entry<String, StoredSeries>> entrySet() {
            return entries;
        }

        @Override
        public StoredSeries get(Object key) {
            return family.values.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return family.values.containsKey(key);
        }

        @Override
        public int size() {
            return family.values.size();
        }

        @Override
        public boolean isEmpty() {
            return family.values.isEmpty();
        }
    }
}
