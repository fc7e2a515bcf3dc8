package dev.mayfly.streams.internal;

import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * Series contributions bound for one partition of the series-updates topic, sent as one record: a commit's worth of
 * small pushes over many groups becomes a few records per partition instead of one per (push, series). Each entry is
 * a series key and its {@link Update}, in the order the ingest step forwarded them; the aggregate step applies them in
 * that order, each as if it had arrived alone. Never holds a group delete (those are broadcast on their own).
 * Written and read by {@link UpdateSerde}.
 */
public final class SeriesUpdates implements Routed {
    private final int partition;
    private final int count;
    private final long latestEventTime;
    private final byte[] entries;

    SeriesUpdates(int partition, int count, long latestEventTime, byte[] entries) {
        this.partition = partition;
        this.count = count;
        this.latestEventTime = latestEventTime;
        this.entries = entries;
    }

    /** No entries: tells partition {@code partition} the stream time {@code time} ({@link SeriesUpdatesPacker#flush}). */
    static SeriesUpdates empty(int partition, long time) {
        return new SeriesUpdates(partition, 0, time, new byte[0]);
    }

    /** The partition of every entry's series key (-1 once read back: the record's partition is the one it was on). */
    int partition() {
        return partition;
    }

    int count() {
        return count;
    }

    /**
     * The record timestamp: the newest event time of the entries, so the task's stream time after a pack is what it
     * would have been after the entries one by one.
     */
    long latestEventTime() {
        return latestEventTime;
    }

    byte[] entries() {
        return entries;
    }

    /** Decodes the entries one after the other. */
    void forEach(BiConsumer<String, Update> action) {
        Binary.Reader r = new Binary.Reader(entries);
        for (int i = 0; i < count; i++) {
            String key = r.readString();
            action.accept(key, UpdateSerde.readUpdate(r));
        }
        if (!r.atEnd()) {
            throw new IllegalStateException("series updates pack holds more bytes than its " + count + " entries");
        }
    }

    /** Collects entries for one partition. Not thread-safe. */
    static final class Builder {
        private final int partition;
        private Binary.Writer writer;
        private String firstKey;
        private int count;
        private long latestEventTime = Long.MIN_VALUE;

        Builder(int partition) {
            this.partition = partition;
        }

        void add(String key, Update u) {
            add(key, key.getBytes(StandardCharsets.UTF_8), u);
        }

        /** Adds an entry whose series key the caller has already encoded ({@code keyUtf8}, the UTF-8 of {@code key}). */
        void add(String key, byte[] keyUtf8, Update u) {
            if (writer == null) {
                writer = new Binary.Writer(4096);
                firstKey = key;
            }
            writer.writeUtf8(keyUtf8);
            UpdateSerde.writeUpdate(writer, u);
            count++;
            latestEventTime = Math.max(latestEventTime, u.eventTime);
        }

        int size() {
            return writer == null ? 0 : writer.size();
        }

        /** The series key of the first entry since the last build: the pack's record key (it hashes to the same partition). */
        String firstKey() {
            return firstKey;
        }

        boolean isEmpty() {
            return count == 0;
        }

        /** The pack of everything added since the last build; the builder starts empty again. */
        SeriesUpdates build() {
            SeriesUpdates pack = new SeriesUpdates(partition, count, latestEventTime, writer.toByteArray());
            clear();
            return pack;
        }

        void clear() {
            writer = null;
            firstKey = null;
            count = 0;
            latestEventTime = Long.MIN_VALUE;
        }
    }
}
