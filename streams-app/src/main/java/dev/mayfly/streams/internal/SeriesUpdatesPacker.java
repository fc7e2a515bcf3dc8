package dev.mayfly.streams.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Packs the ingest step's series contributions per target partition of the series-updates topic
 * ({@link SeriesUpdates}): one record per partition and commit instead of one per contribution, which is most of
 * the records' cost for small pushes over many groups. A pack is sent when it reaches {@link #MAX_PACK_BYTES} and
 * at {@link #flush}, which the owner calls before each commit and before anything that must not overtake held
 * contributions (a group delete). Until the partitioner knows the topic's partition count (before the first send),
 * contributions go out one by one. Entries keep the order they were added in, per partition.
 *
 * <p>A flush also tells each partition that got nothing from this task for {@link #TICK_MS} of stream time how far
 * the task has come, with an empty pack: the aggregate step expires series, closes windows and forgets cumulative
 * streams by its own stream time, which only records move, and series updates are partitioned by series key, so a
 * partition whose series stopped changing would otherwise never expire them however many pushes keep coming.
 * Not thread-safe.
 */
final class SeriesUpdatesPacker {
    /** A pack is sent once it holds this many bytes: far below the producer's request limit. */
    static final int MAX_PACK_BYTES = 256 * 1024;
    /** A partition that got nothing from this task for this long (stream time) is sent an empty pack at the next flush. */
    static final long TICK_MS = 1_000;

    /** Where records go (the processor's context). */
    interface Sink {
        void send(String key, Routed value, long timestamp);
    }

    private final SeriesUpdatePartitioner partitioner;
    private final Sink sink;
    private SeriesUpdates.Builder[] packs = new SeriesUpdates.Builder[0];
    /** Per partition, the timestamp of the last record sent to it. */
    private long[] lastSent = new long[0];
    /** The newest event time of everything added. */
    private long newestEventTime = Long.MIN_VALUE;
    /** Whether anything was added (or time {@link #advance advanced}) since the last flush: time is told only along with what moved it. */
    private boolean addedSinceFlush;

    SeriesUpdatesPacker(SeriesUpdatePartitioner partitioner, Sink sink) {
        this.partitioner = partitioner;
        this.sink = sink;
    }

    /** Adds a contribution (its series key set); never a group delete. */
    void add(Update u) {
        newestEventTime = Math.max(newestEventTime, u.eventTime);
        addedSinceFlush = true;
        int partitions = partitioner.knownPartitions();
        if (partitions == 0) {
            sink.send(u.seriesKey, u, u.eventTime);
            return;
        }
        sizeFor(partitions);
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

    /** Takes {@code eventTime} as reached though nothing was added (a tick): the next flush tells the partitions. */
    void advance(long eventTime) {
        newestEventTime = Math.max(newestEventTime, eventTime);
        addedSinceFlush = true;
    }

    /**
     * Sends every pack that holds anything and, when something was added since the last flush (a replay that reached
     * its end writes nothing more), an empty pack to each partition that got nothing for {@link #TICK_MS}:
     * its timestamp is the newest event time added, but never beyond {@code bound} (the owner passes the lesser of its
     * stream time and the wall clock), so a client whose clock runs ahead moves no other partition's time past now.
     */
    void flush(long bound) {
        for (int p = 0; p < packs.length; p++) {
            if (packs[p] != null && !packs[p].isEmpty()) {
                send(p);
            }
        }
        long now = Math.min(newestEventTime, bound);
        int partitions = partitioner.knownPartitions();
        boolean added = addedSinceFlush;
        addedSinceFlush = false;
        if (!added || now < 0) { // nothing new, or no stream time yet (a task revived after an abort)
            return;
        }
        if (partitions == 0) {
            // only time moved (ticks since a start): partition 0 hears it, and the partitioner learns the count, so
            // the next flush tells the others
            sink.send("", SeriesUpdates.empty(0, now), now);
            return;
        }
        sizeFor(partitions);
        for (int p = 0; p < partitions; p++) {
            if (lastSent[p] == Long.MIN_VALUE || now - lastSent[p] >= TICK_MS) {
                lastSent[p] = now;
                sink.send("", SeriesUpdates.empty(p, now), now);
            }
        }
    }

    /** Forgets everything held (its transaction is aborted): what it sent may be gone too. */
    void clear() {
        for (SeriesUpdates.Builder b : packs) {
            if (b != null) {
                b.clear();
            }
        }
        Arrays.fill(lastSent, Long.MIN_VALUE);
        newestEventTime = Long.MIN_VALUE; // what was added is forwarded again, with its times, when it is reprocessed
        addedSinceFlush = false;
    }

    private void sizeFor(int partitions) {
        if (packs.length != partitions) {
            if (packs.length != 0) {
                // Kafka Streams never changes an internal topic's partition count while it runs
                throw new IllegalStateException("the series-updates topic went from " + packs.length + " to "
                        + partitions + " partitions while running");
            }
            packs = new SeriesUpdates.Builder[partitions];
            lastSent = new long[partitions];
            Arrays.fill(lastSent, Long.MIN_VALUE);
        }
    }

    private void send(int p) {
        String key = packs[p].firstKey();
        SeriesUpdates pack = packs[p].build();
        lastSent[p] = Math.max(lastSent[p], pack.latestEventTime());
        sink.send(key, pack, pack.latestEventTime());
    }
}
