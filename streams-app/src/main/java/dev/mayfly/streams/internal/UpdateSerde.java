package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Map;
import java.util.TreeMap;

/** Compact binary serde of {@link Update} for the series-updates repartition topic. */
public final class UpdateSerde implements Serde<Update>, Serializer<Update>, Deserializer<Update> {
    private static final int VERSION = 2; // 2 added the earliest event time of merged batches
    private static final int VERSION_WITHOUT_EARLIEST = 1;
    private static final MetricType[] TYPES = MetricType.values();
    private static final Aggregation[] AGGREGATIONS = Aggregation.values();

    @Override
    public byte[] serialize(String topic, Update u) {
        if (u == null) {
            return null;
        }
        Binary.Writer w = new Binary.Writer(u.histogram == null ? 48 : 64 + 16 * u.histogram.counts.length);
        w.writeByte(VERSION).writeByte(u.deleteGroup ? 1 : 0).writeString(u.eventId).writeLong(u.eventTime)
                .writeLong(u.eventTime - u.earliestEventTime).writeInt(u.sourcePartition).writeLong(u.sourceOffset);
        if (u.deleteGroup) {
            w.writeString(u.job).writeInt(u.groupingLabels.size());
            for (Map.Entry<String, String> e : u.groupingLabels.entrySet()) {
                w.writeString(e.getKey()).writeString(e.getValue());
            }
            return w.toByteArray();
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
        return w.toByteArray();
    }

    @Override
    public Update deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        Binary.Reader r = new Binary.Reader(bytes);
        int version = r.readByte();
        if (version != VERSION && version != VERSION_WITHOUT_EARLIEST) {
            throw new IllegalStateException("unknown series update version " + version);
        }
        boolean deleteGroup = r.readByte() == 1;
        String eventId = r.readString();
        long eventTime = r.readLong();
        long earliestEventTime = version == VERSION ? eventTime - r.readLong() : eventTime; // written as the span
        int sourcePartition = r.readInt();
        long sourceOffset = r.readLong();
        if (deleteGroup) {
            String job = r.readString();
            int n = r.readInt();
            Map<String, String> labels = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                labels.put(r.readString(), r.readString());
            }
            return Update.deleteGroup(eventId, eventTime, job, labels).withSource(sourcePartition, sourceOffset);
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
    public Serializer<Update> serializer() {
        return this;
    }

    @Override
    public Deserializer<Update> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void close() {
    }
}
