package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Map;
import java.util.TreeMap;

/**
 * Compact binary serde of the series-updates repartition topic: a record holds one {@link Update} (a group delete,
 * or a contribution written by an earlier version) or a {@link SeriesUpdates} pack. The first byte says which; both
 * formats are read, so a topic written before packs existed is still processed after an upgrade.
 */
public final class UpdateSerde implements Serde<Routed>, Serializer<Routed>, Deserializer<Routed> {
    /** A group delete with its copy count (3 is a pack); everything else is still written as version 2. */
    private static final int VERSION_DELETE_COPIES = 4;
    private static final int VERSION = 2; // 2 added the earliest event time of merged batches
    private static final int VERSION_WITHOUT_EARLIEST = 1;
    /** A pack: entry count, the newest event time, then (series key, update) entries. */
    private static final int VERSION_PACK = 3;
    private static final MetricType[] TYPES = MetricType.values();
    private static final Aggregation[] AGGREGATIONS = Aggregation.values();

    @Override
    public byte[] serialize(String topic, Routed value) {
        if (value == null) {
            return null;
        }
        if (value instanceof SeriesUpdates pack) {
            byte[] entries = pack.entries();
            return new Binary.Writer(entries.length + 32).writeByte(VERSION_PACK).writeInt(pack.count())
                    .writeLong(pack.latestEventTime()).writeRaw(entries).toByteArray();
        }
        Update u = (Update) value;
        Binary.Writer w = new Binary.Writer(u.histogram == null ? 48 : 64 + 16 * u.histogram.counts.length);
        writeUpdate(w, u);
        return w.toByteArray();
    }

    @Override
    public Routed deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        Binary.Reader r = new Binary.Reader(bytes);
        if ((bytes[0] & 0xFF) == VERSION_PACK) {
            r.readByte();
            int count = r.readInt();
            long latest = r.readLong();
            return new SeriesUpdates(-1, count, latest, r.rest());
        }
        return readUpdate(r);
    }

    /** Writes one update, with its own version byte (alone or as an entry of a pack). */
    static void writeUpdate(Binary.Writer w, Update u) {
        // a version an older engine reads, unless a delete's copies must be counted
        w.writeByte(u.deleteGroup && u.deleteCopies > 0 ? VERSION_DELETE_COPIES : VERSION).writeByte(u.deleteGroup ? 1 : 0).writeString(u.eventId).writeLong(u.eventTime)
                .writeLong(u.eventTime - u.earliestEventTime).writeInt(u.sourcePartition).writeLong(u.sourceOffset);
        if (u.deleteGroup) {
            w.writeString(u.job).writeInt(u.groupingLabels.size());
            for (Map.Entry<String, String> e : u.groupingLabels.entrySet()) {
                w.writeString(e.getKey()).writeString(e.getValue());
            }
            if (u.deleteCopies > 0) {
                w.writeInt(u.deleteCopies);
            }
            return;
        }
        w.writeByte(u.type.ordinal()).writeByte(u.aggregation.ordinal()).writeByte(u.cumulative ? 1 : 0)
                .writeString(u.streamId).writeLong(u.startTime).writeDouble(u.value)
                .writeString(u.help).writeString(u.unit);
        if (u.histogram == null) {
            w.writeByte(0);
        } else {
            w.writeByte(1);
            u.histogram.write(w);
        }
    }

    /** Reads what {@link #writeUpdate} wrote (or versions 1 and 2 of it). */
    static Update readUpdate(Binary.Reader r) {
        int version = r.readByte();
        if (version != VERSION && version != VERSION_DELETE_COPIES && version != VERSION_WITHOUT_EARLIEST) {
            throw new IllegalStateException("unknown series update version " + version);
        }
        boolean deleteGroup = r.readByte() == 1;
        String eventId = r.readString();
        long eventTime = r.readLong();
        long earliestEventTime = version != VERSION_WITHOUT_EARLIEST ? eventTime - r.readLong() : eventTime; // written as the span
        int sourcePartition = r.readInt();
        long sourceOffset = r.readLong();
        if (deleteGroup) {
            String job = r.readString();
            int n = r.readInt();
            Map<String, String> labels = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                labels.put(r.readString(), r.readString());
            }
            int copies = version == VERSION_DELETE_COPIES ? r.readInt() : 0;
            return Update.deleteGroup(eventId, eventTime, job, labels, copies).withSource(sourcePartition, sourceOffset);
        }
        MetricType type = TYPES[r.readByte()];
        Aggregation aggregation = AGGREGATIONS[r.readByte()];
        boolean cumulative = r.readByte() == 1;
        String streamId = r.readString();
        long startTime = r.readLong();
        double value = r.readDouble();
        String help = r.readString();
        String unit = r.readString();
        Histogram histogram = r.readByte() == 1 ? Histogram.read(r) : null;
        Update u = Update.point(eventId, eventTime, type, aggregation, cumulative, streamId, startTime, value, histogram, help, unit)
                .withSource(sourcePartition, sourceOffset);
        u.earliestEventTime = earliestEventTime;
        return u;
    }

    @Override
    public Serializer<Routed> serializer() {
        return this;
    }

    @Override
    public Deserializer<Routed> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void close() {
    }
}
