package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;

import java.time.Instant;

/** The stored aggregate of one series (value of the series store), in the compact binary encoding. Mutable. */
final class SeriesState {
    static final long NONE = Long.MIN_VALUE;
    private static final MetricType[] TYPES = MetricType.values();
    private static final Aggregation[] AGGREGATIONS = Aggregation.values();

    MetricType type;
    Aggregation aggregation;
    double value;
    Histogram histogram;
    long createdTime;
    long updatedTime;
    /** For LAST: the event time, event id of the value kept (ties are broken by event id, then value). */
    long lastTime = NONE;
    String lastEventId;
    String help;
    String unit;
    /** A windowed series derived from another one (not counted against cardinality limits). */
    boolean derived;
    long windowStart = NONE;
    long windowEnd = NONE;

    static SeriesState start(Update u) {
        SeriesState s = new SeriesState();
        s.type = u.type;
        s.aggregation = u.aggregation;
        s.createdTime = u.earliestEventTime;
        s.updatedTime = u.eventTime;
        s.help = u.help;
        s.unit = u.unit;
        if (u.histogram != null) {
            s.histogram = u.histogram.emptyLike();
        }
        if (u.aggregation == Aggregation.MAX) {
            s.value = Double.NEGATIVE_INFINITY;
        } else if (u.aggregation == Aggregation.MIN) {
            s.value = Double.POSITIVE_INFINITY;
        }
        return s;
    }

    /**
     * Null when adding {@code amount} (a counter or summed gauge) or {@code h} (a histogram) keeps the aggregate
     * finite and its counts in range; else the rejection ({@code sum_overflow}). Other aggregations never overflow.
     */
    Rejection overflowFrom(String key, double amount, Histogram h) {
        String overflows = null;
        if (type == MetricType.HISTOGRAM) {
            if (!Double.isFinite(histogram.sum + h.sum)) {
                overflows = "sum";
            } else if (h.count > Long.MAX_VALUE - histogram.count) {
                overflows = "count";
            }
        } else if ((type == MetricType.COUNTER || aggregation == Aggregation.SUM) && !Double.isFinite(value + amount)) {
            overflows = "value";
        }
        return overflows == null ? null : Rejection.of("sum_overflow", "adding this point would make the " + overflows + " of "
                + key + " overflow (it stays at its current value; a sum is never served as infinite)");
    }

    /** Adds a gauge sample by this series' aggregation. */
    void addGauge(double v, long eventTime, String eventId) {
        switch (aggregation) {
            case SUM -> value += v;
            case MAX -> value = Math.max(value, v);
            case MIN -> value = Math.min(value, v);
            case LAST -> {
                if (lastTime == NONE || newer(eventTime, eventId, v)) {
                    value = v;
                    lastTime = eventTime;
                    lastEventId = eventId;
                }
            }
        }
    }

    private boolean newer(long t, String id, double v) {
        return isNewer(t, id, v, lastTime, lastEventId, value);
    }

    /**
     * The order of last values, whatever their arrival order: the later event time wins; on a tie the greater event
     * id, then the greater value.
     */
    static boolean isNewer(long t, String id, double v, long thanTime, String thanId, double thanValue) {
        if (t != thanTime) {
            return t > thanTime;
        }
        int c = id.compareTo(thanId);
        if (c != 0) {
            return c > 0;
        }
        return Double.compare(v, thanValue) > 0;
    }

    Aggregate toAggregate(SeriesKeys.Parsed key) {
        return Aggregate.newBuilder()
                .setName(key.name())
                .setLabels(key.labels())
                .setType(type)
                .setHelp(help)
                .setUnit(unit)
                .setAggregation(aggregation)
                .setValue(value)
                .setHistogram(histogram == null ? null : histogram.toAvro())
                .setNativeHistogram(histogram == null ? null : histogram.toNativeAvro())
                .setCreatedTime(Instant.ofEpochMilli(createdTime))
                .setUpdatedTime(Instant.ofEpochMilli(updatedTime))
                .setWindowStart(windowStart == NONE ? null : Instant.ofEpochMilli(windowStart))
                .setWindowEnd(windowEnd == NONE ? null : Instant.ofEpochMilli(windowEnd))
                .build();
    }

    byte[] encode() {
        Binary.Writer w = new Binary.Writer(histogram == null ? 48 : 64 + 16 * histogram.counts.length);
        w.writeByte(1).writeByte(type.ordinal()).writeByte(aggregation.ordinal()).writeByte(derived ? 1 : 0)
                .writeDouble(value).writeLong(createdTime).writeLong(updatedTime).writeLong(lastTime)
                .writeString(lastEventId).writeString(help).writeString(unit)
                .writeLong(windowStart).writeLong(windowEnd);
        if (histogram == null) {
            w.writeByte(0);
        } else {
            w.writeByte(1);
            histogram.write(w);
        }
        return w.toByteArray();
    }

    static SeriesState decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        Binary.Reader r = new Binary.Reader(bytes);
        int version = r.readByte();
        if (version != 1) {
            throw new IllegalStateException("unknown series state version " + version);
        }
        SeriesState s = new SeriesState();
        s.type = TYPES[r.readByte()];
        s.aggregation = AGGREGATIONS[r.readByte()];
        s.derived = r.readByte() == 1;
        s.value = r.readDouble();
        s.createdTime = r.readLong();
        s.updatedTime = r.readLong();
        s.lastTime = r.readLong();
        s.lastEventId = r.readString();
        s.help = r.readString();
        s.unit = r.readString();
        s.windowStart = r.readLong();
        s.windowEnd = r.readLong();
        s.histogram = r.readByte() == 1 ? Histogram.read(r) : null;
        return s;
    }
}
