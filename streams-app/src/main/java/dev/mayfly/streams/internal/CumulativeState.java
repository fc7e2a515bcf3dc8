package dev.mayfly.streams.internal;

/**
 * What a cumulative stream (stream id) last reported for one series: the current epoch (start time and the
 * highest total seen) and the previous one, so that a point of the previous epoch arriving late still counts.
 * Turns cumulative totals into deltas:
 * <ul>
 *   <li>same start time, total grew: delta = total - previous total;</li>
 *   <li>same start time, total went down, newer event time: a reset, delta = total;</li>
 *   <li>same start time, total went down, older event time: a reordered point already included, delta = 0;</li>
 *   <li>newer start time: a reset, delta = total; an older start time updates the previous epoch the same way.</li>
 * </ul>
 */
final class CumulativeState {
    long startTime;
    double total;
    Histogram histogram;
    long lastEventTime;
    boolean hasPrevious;
    long previousStartTime;
    double previousTotal;
    Histogram previousHistogram;

    /** The change of a counter or histogram; {@code stale} when there is nothing to add. */
    record Delta(boolean stale, double value, Histogram histogram) {
        static final Delta STALE = new Delta(true, 0, null);
    }

    static CumulativeState first(Update u) {
        CumulativeState s = new CumulativeState();
        s.startTime = u.startTime;
        s.total = u.value;
        s.histogram = u.histogram == null ? null : u.histogram.copy();
        s.lastEventTime = u.eventTime;
        return s;
    }

    static Delta full(Update u) {
        return new Delta(false, u.value, u.histogram == null ? null : u.histogram.copy());
    }

    Delta apply(Update u) {
        if (u.startTime == startTime) {
            Delta d = grow(total, histogram, u);
            if (d != null) {
                total = u.value;
                histogram = copy(u.histogram);
                lastEventTime = Math.max(lastEventTime, u.eventTime);
                return d;
            }
            if (u.eventTime > lastEventTime) {
                hasPrevious = false;
                total = u.value;
                histogram = copy(u.histogram);
                lastEventTime = u.eventTime;
                return full(u);
            }
            return Delta.STALE;
        }
        if (u.startTime > startTime) {
            hasPrevious = true;
            previousStartTime = startTime;
            previousTotal = total;
            previousHistogram = histogram;
            startTime = u.startTime;
            total = u.value;
            histogram = copy(u.histogram);
            lastEventTime = u.eventTime;
            return full(u);
        }
        if (hasPrevious && u.startTime == previousStartTime) {
            Delta d = grow(previousTotal, previousHistogram, u);
            if (d != null) {
                previousTotal = u.value;
                previousHistogram = copy(u.histogram);
                return d;
            }
        }
        return Delta.STALE;
    }

    /** The growth from (total, histogram) to u, or null when u is lower somewhere. */
    private static Delta grow(double total, Histogram histogram, Update u) {
        if (u.histogram == null) {
            return u.value >= total ? new Delta(false, u.value - total, null) : null;
        }
        if (histogram == null || !histogram.sameBounds(u.histogram) || u.histogram.count < histogram.count) {
            return null;
        }
        long[] counts = new long[histogram.counts.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = u.histogram.counts[i] - histogram.counts[i];
            if (counts[i] < 0) {
                return null;
            }
        }
        return new Delta(false, 0, new Histogram(histogram.bounds, counts, u.histogram.sum - histogram.sum,
                u.histogram.count - histogram.count));
    }

    private static Histogram copy(Histogram h) {
        return h == null ? null : h.copy();
    }

    byte[] encode() {
        Binary.Writer w = new Binary.Writer(64);
        w.writeByte(1).writeLong(startTime).writeDouble(total).writeLong(lastEventTime);
        writeHistogram(w, histogram);
        w.writeByte(hasPrevious ? 1 : 0);
        if (hasPrevious) {
            w.writeLong(previousStartTime).writeDouble(previousTotal);
            writeHistogram(w, previousHistogram);
        }
        return w.toByteArray();
    }

    static CumulativeState decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        Binary.Reader r = new Binary.Reader(bytes);
        r.readByte();
        CumulativeState s = new CumulativeState();
        s.startTime = r.readLong();
        s.total = r.readDouble();
        s.lastEventTime = r.readLong();
        s.histogram = readHistogram(r);
        s.hasPrevious = r.readByte() == 1;
        if (s.hasPrevious) {
            s.previousStartTime = r.readLong();
            s.previousTotal = r.readDouble();
            s.previousHistogram = readHistogram(r);
        }
        return s;
    }

    private static void writeHistogram(Binary.Writer w, Histogram h) {
        if (h == null) {
            w.writeByte(0);
        } else {
            w.writeByte(1);
            h.write(w);
        }
    }

    private static Histogram readHistogram(Binary.Reader r) {
        return r.readByte() == 1 ? Histogram.read(r) : null;
    }
}
