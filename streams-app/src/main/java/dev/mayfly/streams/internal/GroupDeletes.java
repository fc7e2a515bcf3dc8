package dev.mayfly.streams.internal;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Makes a group delete exact in the aggregate step, although pushes and deletes reach it through different
 * partitions. The gateway writes a delete once to each of the N events partitions, in one transaction; each ingest
 * task forwards its copy in order with its own contributions (it forwards what it holds first), so an aggregate task
 * receives N copies, each after exactly the contributions its source partition held before the delete. The first
 * copy to arrive deletes the group's series here. Until the copy from source partition s has arrived, a contribution
 * from s to the group was written before the delete and is deleted too (dropped); once it has arrived, contributions
 * from s were written after the delete and are kept. A delete whose copies are not counted (written once) is applied
 * as it arrives.
 *
 * <p>A copy that never comes (a replay of a topic whose retention removed the segment holding it) must not hold its
 * partition back for good: a contribution from s whose every event is more than {@link #LOST_AFTER_MS} younger than
 * the delete was written after it (the gateway's clocks agree far better than that), so s's copy is taken as lost and
 * s is let through from then on ({@code unfinished_deletes}). This is judged per partition, by that partition's own
 * data, so partitions lagging behind each other (a backlog, a rebalance) never end the wait early.
 *
 * <p>Deletes waiting for copies are kept in a store (changelogged), so a restarted task resumes where it was. A
 * delete is forgotten once every copy arrived; one that took a copy as lost is remembered for {@code horizonMs} (the
 * dedup horizon), so that copy, if it comes after all, is not taken for the first copy of a new delete.
 * Not thread-safe: one per aggregate task, used by its stream thread.
 */
final class GroupDeletes {
    private static final int VERSION = 1;
    /** How much younger than a delete a partition's data must be for the delete's copy in it to be taken as lost. */
    static final long LOST_AFTER_MS = 5 * 60_000;

    private final KeyValueStore<String, byte[]> store;
    private final long horizonMs;
    /** Deletes applied here that wait for copies or remember a lost one, by event id: empty but after a delete. */
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    /** How many of {@link #waiting} still hold some partition back. */
    private int holding;
    /** Told each time a partition's copy is taken as lost. */
    private final Runnable copyTakenAsLost;

    /** @param copyTakenAsLost told each time a partition's copy of a delete is taken as lost */
    GroupDeletes(KeyValueStore<String, byte[]> store, long horizonMs, Runnable copyTakenAsLost) {
        this.store = store;
        this.horizonMs = horizonMs;
        this.copyTakenAsLost = copyTakenAsLost;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                Waiting w = Waiting.decode(kv.value);
                waiting.put(kv.key, w);
                holding += w.holds() ? 1 : 0;
            }
        }
    }

    /**
     * Takes one copy of a delete (or a delete written once); true when the group is to be deleted now: the first copy
     * of a delete, or a delete written once.
     */
    boolean arrive(Update delete, long streamTime) {
        if (delete.deleteCopies <= 1 || delete.sourcePartition < 0 || delete.sourcePartition >= delete.deleteCopies) {
            return true;
        }
        Waiting w = waiting.get(delete.eventId);
        boolean first = w == null;
        if (first) {
            w = new Waiting(delete.job, delete.groupingLabels, delete.deleteCopies, delete.eventTime, streamTime,
                    new BitSet(delete.deleteCopies), new BitSet(delete.deleteCopies));
            holding++;
        }
        boolean held = w.holds();
        w.arrived.set(delete.sourcePartition);
        update(delete.eventId, w, held);
        return first;
    }

    /**
     * Whether the contribution {@code u} to series {@code key} was written before a delete of its group that was
     * already applied here: its source partition's copy of that delete has not arrived yet.
     */
    boolean deletedBefore(String key, Update u) {
        if (holding == 0) {
            return false;
        }
        int s = u.sourcePartition;
        SeriesKeys.Parsed parsed = null;
        boolean deleted = false;
        for (Map.Entry<String, Waiting> e : waiting.entrySet()) { // update() below only replaces entries: no removal here
            Waiting w = e.getValue();
            if (s < 0 || s >= w.copies || w.arrived.get(s) || w.lost.get(s)) {
                continue;
            }
            if (parsed == null) {
                parsed = SeriesKeys.parse(key);
            }
            if (!inGroup(parsed, w.job, w.groupingLabels)) {
                continue;
            }
            if (u.earliestEventTime - w.deleteTime > LOST_AFTER_MS) {
                boolean held = w.holds();
                w.lost.set(s); // written after the delete: the copy before it is not coming
                copyTakenAsLost.run();
                update(e.getKey(), w, held);
            } else {
                deleted = true;
            }
        }
        return deleted;
    }

    /**
     * Forgets deletes a horizon after they were applied here; returns how many were still waiting for a copy (a
     * partition that sent nothing of the group since: nothing was held back).
     */
    int expire(long streamTime) {
        List<String> old = new ArrayList<>();
        waiting.forEach((id, w) -> {
            if (streamTime - w.applied > horizonMs) {
                old.add(id);
            }
        });
        int unfinished = 0;
        for (String id : old) {
            unfinished += waiting.get(id).holds() ? 1 : 0;
            forget(id);
        }
        return unfinished;
    }

    /** Stores {@code w} after a change, or forgets it once every copy arrived; {@code held}: it held before. */
    private void update(String eventId, Waiting w, boolean held) {
        if (!w.holds() && held) {
            holding--;
        }
        if (w.arrived.cardinality() >= w.copies) {
            forget(eventId); // every copy came: none can come again
            return;
        }
        waiting.put(eventId, w);
        store.put(eventId, w.encode());
    }

    private void forget(String eventId) {
        Waiting w = waiting.remove(eventId);
        if (w != null && w.holds()) {
            holding--;
        }
        store.delete(eventId);
    }

    /** Whether a series is in a group: its job label is {@code job} and its labels include the grouping labels. */
    static boolean inGroup(SeriesKeys.Parsed series, String job, Map<String, String> groupingLabels) {
        if (!job.equals(series.label("job"))) {
            return false;
        }
        for (Map.Entry<String, String> e : groupingLabels.entrySet()) {
            // an empty grouping label names the series without that label
            if (!(e.getValue().isEmpty() ? series.label(e.getKey()) == null : e.getValue().equals(series.label(e.getKey())))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A delete applied here (event time {@code deleteTime}, stream time {@code applied}): the partitions whose copy
     * {@code arrived}, and those whose copy was taken as {@code lost}.
     */
    private record Waiting(String job, SortedMap<String, String> groupingLabels, int copies, long deleteTime, long applied,
                           BitSet arrived, BitSet lost) {
        /** Some partition is still held back. */
        boolean holds() {
            BitSet done = (BitSet) arrived.clone();
            done.or(lost);
            return done.cardinality() < copies;
        }

        byte[] encode() {
            Binary.Writer w = new Binary.Writer(64).writeByte(VERSION).writeString(job).writeInt(groupingLabels.size());
            groupingLabels.forEach((k, v) -> w.writeString(k).writeString(v));
            w.writeInt(copies).writeLong(deleteTime).writeLong(applied);
            writeBits(w, arrived);
            writeBits(w, lost);
            return w.toByteArray();
        }

        static Waiting decode(byte[] bytes) {
            Binary.Reader r = new Binary.Reader(bytes);
            int version = r.readByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown group delete version " + version);
            }
            String job = r.readString();
            int n = r.readInt();
            SortedMap<String, String> labels = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                labels.put(r.readString(), r.readString());
            }
            return new Waiting(job, labels, r.readInt(), r.readLong(), r.readLong(), readBits(r), readBits(r));
        }

        private static void writeBits(Binary.Writer w, BitSet bits) {
            byte[] bytes = bits.toByteArray();
            w.writeInt(bytes.length);
            for (byte b : bytes) {
                w.writeByte(b);
            }
        }

        private static BitSet readBits(Binary.Reader r) {
            byte[] bytes = new byte[r.readInt()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) r.readByte();
            }
            return BitSet.valueOf(bytes);
        }
    }
}
