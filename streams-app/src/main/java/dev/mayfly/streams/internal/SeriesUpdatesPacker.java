package dev.mayfly.streams.internal;

import java.nio.charset.StandardCharsets;

/**
 * Packs the ingest step's series contributions per target partition of the series-updates topic
 * ({@link SeriesUpdates}): one record per partition and commit instead of one per contribution, which is most of
 * the records' cost for small pushes over many groups. A pack is sent when it reaches {@link #MAX_PACK_BYTES} and
 * at {@link #flush}, which the owner calls before each commit and before anything that must not overtake held
 * contributions (a group delete). Until the partitioner knows the topic's partition count (before the first send),
 * contributions go out one by one. Entries keep the order they were added in, per partition. Not thread-safe.
 */
final class SeriesUpdatesPacker {
    /** A pack is sent once it holds this many bytes: far below the producer's request limit. */
    static final int MAX_PACK_BYTES = 256 * 1024;

    /** Where records go (the processor's context). */
    interface Sink {
        void send(String key, Routed value, long timestamp);
    }

    private final SeriesUpdatePartitioner partitioner;
    private final Sink sink;
    private SeriesUpdates.Builder[] packs = new SeriesUpdates.Builder[0];

    SeriesUpdatesPacker(SeriesUpdatePartitioner partitioner, Sink sink) {
        this.partitioner = partitioner;
        this.sink = sink;
    }

    /** Adds a contribution (its series key set); never a group delete. */
    void add(Update u) {
        int partitions = partitioner.knownPartitions();
        if (partitions == 0) {
            sink.send(u.seriesKey, u, u.eventTime);
            return;
        }
        if (packs.length != partitions) {
            if (packs.length != 0) {
                // Kafka Streams never changes an internal topic's partition count while it runs
                throw new IllegalStateException("the series-updates topic went from " + packs.length + " to "
                        + partitions + " partitions while running");
            }
            packs = new SeriesUpdates.Builder[partitions];
        }
        byte[] key = u.seriesKey.getBytes(StandardCharsets.UTF_8); // once: for the partition and the pack
        int p = SeriesUpdatePartitioner.partitionOf(key, partitions);
        if (packs[p] == null) {
            packs[p] = new SeriesUpdates.Builder(p);
        }
        packs[p].add(u.seriesKey, key, u);
        if (packs[p].size() >= MAX_PACK_BYTES) {
            send(p);
        }
    }

    /** Sends every pack that holds anything. */
    void flush() {
        for (int p = 0; p < packs.length; p++) {
            if (packs[p] != null && !packs[p].isEmpty()) {
                send(p);
            }
        }
    }

    /** Forgets everything held (its transaction is aborted). */
    void clear() {
        for (SeriesUpdates.Builder b : packs) {
            if (b != null) {
                b.clear();
            }
        }
    }

    private void send(int p) {
        String key = packs[p].firstKey();
        SeriesUpdates pack = packs[p].build();
        sink.send(key, pack, pack.latestEventTime());
    }
}
