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
 * <p>Deletes waiting for copies are kept in a store (changelogged), so a restarted task resumes where it was, and
 * forgotten once every copy arrived. A delete still missing copies after {@link #WAIT_MS} of stream time stops holding
 * contributions back (counted): its missing copies are taken as lost (a replay of a topic whose retention removed a
 * copy with the segment holding it), so no partition's later data is held back for longer than that. It is remembered
 * for {@code horizonMs} (the dedup horizon), so a copy that comes after all is ignored rather than taken for the first
 * copy of a new delete.
 * Not thread-safe: one per aggregate task, used by its stream thread.
 */
final class GroupDeletes {
    private static final int VERSION = 1;
    /**
     * Stream time a delete holds contributions back while copies are missing: far more than ingest tasks of one
     * application lag behind each other (a rebalance moves a task within the session timeout), far less than data
     * anyone would miss.
     */
    static final long WAIT_MS = 5 * 60_000;

    private final KeyValueStore<String, byte[]> store;
    private final long horizonMs;
    /** Deletes waiting for copies, by event id (those that gave up too): empty except in the moments after a delete. */
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    /** How many of {@link #waiting} still hold contributions back. */
    private int holding;

    GroupDeletes(KeyValueStore<String, byte[]> store, long horizonMs) {
        this.store = store;
        this.horizonMs = horizonMs;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                Waiting w = Waiting.decode(kv.value);
                waiting.put(kv.key, w);
                holding += w.gaveUp ? 0 : 1;
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
        if (w != null && w.gaveUp) {
            return false; // a copy after the delete stopped waiting for it: applied already, never again
        }
        boolean first = w == null;
        if (first) {
            w = new Waiting(delete.job, delete.groupingLabels, delete.deleteCopies, new BitSet(delete.deleteCopies), streamTime, false);
            holding++;
        }
        w.arrived.set(delete.sourcePartition);
        if (w.arrived.cardinality() >= w.copies) {
            forget(delete.eventId);
        } else {
            waiting.put(delete.eventId, w);
            store.put(delete.eventId, w.encode());
        }
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
        SeriesKeys.Parsed parsed = null;
        for (Waiting w : waiting.values()) {
            if (!w.gaveUp && u.sourcePartition >= 0 && u.sourcePartition < w.copies && !w.arrived.get(u.sourcePartition)) {
                if (parsed == null) {
                    parsed = SeriesKeys.parse(key);
                }
                if (inGroup(parsed, w.job, w.groupingLabels)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Stops holding back for deletes that waited {@link #WAIT_MS} for a copy, and forgets those that gave up a horizon
     * ago; returns how many gave up now.
     */
    int expire(long streamTime) {
        List<String> gaveUp = new ArrayList<>();
        List<String> forgotten = new ArrayList<>();
        waiting.forEach((id, w) -> {
            if (w.gaveUp && streamTime - w.since > horizonMs) {
                forgotten.add(id);
            } else if (!w.gaveUp && streamTime - w.since > WAIT_MS) {
                gaveUp.add(id);
            }
        });
        forgotten.forEach(this::forget);
        for (String id : gaveUp) {
            Waiting w = waiting.get(id);
            Waiting given = new Waiting(w.job, w.groupingLabels, w.copies, w.arrived, w.since, true);
            waiting.put(id, given);
            store.put(id, given.encode());
            holding--;
        }
        return gaveUp.size();
    }

    private void forget(String eventId) {
        Waiting w = waiting.remove(eventId);
        if (w != null && !w.gaveUp) {
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

    /** A delete applied here, waiting for the copies of the source partitions not in {@code arrived}. */
    private record Waiting(String job, SortedMap<String, String> groupingLabels, int copies, BitSet arrived, long since,
                           boolean gaveUp) {
        byte[] encode() {
            Binary.Writer w = new Binary.Writer(64).writeByte(VERSION).writeByte(gaveUp ? 1 : 0).writeString(job)
                    .writeInt(groupingLabels.size());
            groupingLabels.forEach((k, v) -> w.writeString(k).writeString(v));
            byte[] bits = arrived.toByteArray();
            w.writeInt(copies).writeLong(since).writeInt(bits.length);
            for (byte b : bits) {
                w.writeByte(b);
            }
            return w.toByteArray();
        }

        static Waiting decode(byte[] bytes) {
            Binary.Reader r = new Binary.Reader(bytes);
            int version = r.readByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown group delete version " + version);
            }
            boolean gaveUp = r.readByte() == 1;
            String job = r.readString();
            int n = r.readInt();
            SortedMap<String, String> labels = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                labels.put(r.readString(), r.readString());
            }
            int copies = r.readInt();
            long since = r.readLong();
            byte[] bits = new byte[r.readInt()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = (byte) r.readByte();
            }
            return new Waiting(job, labels, copies, BitSet.valueOf(bits), since, gaveUp);
        }
    }
}
