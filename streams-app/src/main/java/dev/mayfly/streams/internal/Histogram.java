package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.NativeHistogramValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A mutable histogram with sum and count: explicit buckets (per-bucket counts, one more than bounds), or native
 * buckets ({@link #nativeBuckets} set, bounds and counts empty; merged as {@link NativeBuckets} says).
 */
public final class Histogram {
    private static final double[] NO_BOUNDS = new double[0];
    private static final long[] NO_COUNTS = new long[0];
    /** Written instead of the bounds' length by {@link #write}: a native histogram follows. */
    private static final int NATIVE_MARKER = -1;

    final double[] bounds;
    final long[] counts;
    NativeBuckets nativeBuckets;
    double sum;
    long count;

    Histogram(double[] bounds, long[] counts, double sum, long count) {
        this.bounds = bounds;
        this.counts = counts;
        this.sum = sum;
        this.count = count;
    }

    Histogram(NativeBuckets nativeBuckets, double sum, long count) {
        this(NO_BOUNDS, NO_COUNTS, sum, count);
        this.nativeBuckets = nativeBuckets;
    }

    /** The histogram of a point, explicit or native; null for other points. */
    static Histogram of(MetricPoint p) {
        if (p.getNativeHistogram() != null) {
            NativeHistogramValue h = p.getNativeHistogram();
            return new Histogram(NativeBuckets.of(h), h.getSum(), h.getCount());
        }
        return p.getHistogram() == null ? null : of(p.getHistogram());
    }

    boolean isNative() {
        return nativeBuckets != null;
    }

    /** No observations, the same bounds (or scale and zero threshold). */
    Histogram emptyLike() {
        return isNative() ? new Histogram(nativeBuckets.empty(), 0, 0) : new Histogram(bounds, new long[counts.length], 0, 0);
    }

    /** Takes over {@code later}'s totals (a later cumulative total of the same stream). */
    void replaceWith(Histogram later) {
        if (isNative()) {
            nativeBuckets = later.nativeBuckets;
        } else {
            System.arraycopy(later.counts, 0, counts, 0, counts.length);
        }
        sum = later.sum;
        count = later.count;
    }

    /** The observations {@code later} (a later cumulative total of the same stream) holds beyond these, or null (a reset). */
    Histogram growthTo(Histogram later) {
        if (!sameBounds(later) || later.count < count) {
            return null;
        }
        if (isNative()) {
            NativeBuckets growth = nativeBuckets.growthTo(later.nativeBuckets);
            return growth == null ? null : new Histogram(growth, later.sum - sum, later.count - count);
        }
        long[] grown = new long[counts.length];
        for (int i = 0; i < grown.length; i++) {
            grown[i] = later.counts[i] - counts[i];
            if (grown[i] < 0) {
                return null;
            }
        }
        return new Histogram(bounds, grown, later.sum - sum, later.count - count);
    }

    static Histogram of(HistogramValue h) {
        List<Double> b = h.getBounds();
        double[] bounds = new double[b.size()];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = b.get(i);
        }
        List<Long> c = h.getBucketCounts();
        long[] counts = new long[c.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = c.get(i);
        }
        return new Histogram(bounds, counts, h.getSum(), h.getCount());
    }

    Histogram copy() {
        return isNative() ? new Histogram(nativeBuckets, sum, count) : new Histogram(bounds, counts.clone(), sum, count);
    }

    /** Whether the two can be added: the same explicit bounds, or both native (any scales and zero thresholds). */
    boolean sameBounds(Histogram other) {
        return isNative() ? other.isNative() : !other.isNative() && Arrays.equals(bounds, other.bounds);
    }

    /** Adds {@code other} bucket by bucket; {@link #sameBounds} must hold. */
    void add(Histogram other) {
        if (isNative()) {
            nativeBuckets = nativeBuckets.plus(other.nativeBuckets);
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        sum += other.sum;
        count += other.count;
    }

    /** The explicit-bucket value; null for a native histogram (see {@link #toNativeAvro}). */
    HistogramValue toAvro() {
        if (isNative()) {
            return null;
        }
        List<Double> b = new ArrayList<>(bounds.length);
        for (double d : bounds) {
            b.add(d);
        }
        List<Long> c = new ArrayList<>(counts.length);
        for (long l : counts) {
            c.add(l);
        }
        return HistogramValue.newBuilder().setBounds(b).setBucketCounts(c).setSum(sum).setCount(count).build();
    }

    /** The native value; null for an explicit-bucket histogram. */
    NativeHistogramValue toNativeAvro() {
        return isNative() ? nativeBuckets.toAvro(sum, count) : null;
    }

    void write(Binary.Writer w) {
        if (isNative()) {
            w.writeInt(NATIVE_MARKER);
            nativeBuckets.write(w);
            w.writeDouble(sum).writeLong(count);
            return;
        }
        w.writeInt(bounds.length);
        for (double d : bounds) {
            w.writeDouble(d);
        }
        for (long l : counts) {
            w.writeLong(l);
        }
        w.writeDouble(sum).writeLong(count);
    }

    static Histogram read(Binary.Reader r) {
        int n = r.readInt();
        if (n == NATIVE_MARKER) {
            NativeBuckets buckets = NativeBuckets.read(r);
            return new Histogram(buckets, r.readDouble(), r.readLong());
        }
        double[] bounds = new double[n];
        for (int i = 0; i < n; i++) {
            bounds[i] = r.readDouble();
        }
        long[] counts = new long[n + 1];
        for (int i = 0; i <= n; i++) {
            counts[i] = r.readLong();
        }
        return new Histogram(bounds, counts, r.readDouble(), r.readLong());
    }
}
