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
 * <p>
 * Explicit histograms with different bounds add into the union of their bounds: each bucket's count goes to the
 * union's bucket with the same upper bound. A bucket then counts every observation known to be at or below its bound
 * (an observation of a push without that bound is counted at the push's next bound above it), so the buckets stay
 * cumulative, each only grows, and adding is independent of order.
 */
public final class Histogram {
    private static final double[] NO_BOUNDS = new double[0];
    private static final long[] NO_COUNTS = new long[0];
    /** Written instead of the bounds' length by {@link #write}: a native histogram follows. */
    private static final int NATIVE_MARKER = -1;
    /** The most bounds a union of different bounds may have (unless one side alone has more): as many as a native side. */
    static final int MAX_MERGED_BOUNDS = 4096;

    /** Replaced (never modified) when other bounds are added: copies may share it. */
    double[] bounds;
    long[] counts;
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
            bounds[i] = b.get(i) + 0.0; // -0.0 is 0.0: one bound, whichever a client wrote
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

    /** Whether the two have the same explicit bounds, or are both native (any scales and zero thresholds). */
    boolean sameBounds(Histogram other) {
        return isNative() ? other.isNative() : !other.isNative() && Arrays.equals(bounds, other.bounds);
    }

    /**
     * Why {@code other} cannot be {@link #add added} to this one, or null when it can: a native histogram never meets
     * explicit buckets, and a union of different bounds keeps at most {@value #MAX_MERGED_BOUNDS} (or the longer side's).
     */
    String whyNotAddable(Histogram other) {
        if (isNative() != other.isNative()) {
            return isNative() ? "is a native histogram, the point has explicit buckets; the two never merge"
                    : "has explicit buckets, the point is a native histogram; the two never merge";
        }
        if (isNative() || Arrays.equals(bounds, other.bounds)) {
            return null;
        }
        int union = unionLength(bounds, other.bounds);
        return union <= Math.max(MAX_MERGED_BOUNDS, Math.max(bounds.length, other.bounds.length)) ? null
                : "has " + bounds.length + " bucket bounds, the point " + other.bounds.length + " others; together "
                + union + ", over " + MAX_MERGED_BOUNDS;
    }

    /** Adds {@code other} bucket by bucket, into the union of the two's bounds if they differ; {@link #whyNotAddable} must be null. */
    void add(Histogram other) {
        if (isNative()) {
            nativeBuckets = nativeBuckets.plus(other.nativeBuckets);
        } else if (Arrays.equals(bounds, other.bounds)) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += other.counts[i];
            }
        } else if (unionLength(bounds, other.bounds) == bounds.length) {
            addInto(bounds, counts, other.bounds, other.counts); // other's bounds are among these (after a union, the usual case)
        } else {
            double[] union = union(bounds, other.bounds);
            long[] merged = new long[union.length + 1];
            addInto(union, merged, bounds, counts);
            addInto(union, merged, other.bounds, other.counts);
            bounds = union;
            counts = merged;
        }
        sum += other.sum;
        count += other.count;
    }

    /** The sorted union of two strictly increasing bound lists (never -0.0: {@link #of(HistogramValue)} makes it 0.0). */
    private static double[] union(double[] a, double[] b) {
        double[] u = new double[a.length + b.length];
        int i = 0, j = 0, n = 0;
        while (i < a.length || j < b.length) {
            if (j == b.length || (i < a.length && a[i] < b[j])) {
                u[n++] = a[i++];
            } else if (i == a.length || b[j] < a[i]) {
                u[n++] = b[j++];
            } else {
                u[n++] = a[i++];
                j++;
            }
        }
        return n == u.length ? u : Arrays.copyOf(u, n);
    }

    /** How many bounds the union of two strictly increasing bound lists has (without building it). */
    private static int unionLength(double[] a, double[] b) {
        int i = 0, j = 0, n = 0;
        while (i < a.length && j < b.length) {
            if (a[i] < b[j]) {
                i++;
            } else if (b[j] < a[i]) {
                j++;
            } else {
                i++;
                j++;
            }
            n++;
        }
        return n + (a.length - i) + (b.length - j);
    }

    /** Adds each bucket of (bounds, counts) to the bucket of {@code union} (which holds every one of bounds) with the same upper bound. */
    private static void addInto(double[] union, long[] merged, double[] bounds, long[] counts) {
        int at = 0;
        for (int i = 0; i < bounds.length; i++) {
            while (union[at] < bounds[i]) {
                at++;
            }
            merged[at] += counts[i];
        }
        merged[union.length] += counts[bounds.length];
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
