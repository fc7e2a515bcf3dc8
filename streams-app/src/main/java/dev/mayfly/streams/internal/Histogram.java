package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.HistogramValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A mutable explicit-bucket histogram: per-bucket counts (one more than bounds), sum and count. */
public final class Histogram {
    final double[] bounds;
    final long[] counts;
    double sum;
    long count;

    Histogram(double[] bounds, long[] counts, double sum, long count) {
        this.bounds = bounds;
        this.counts = counts;
        this.sum = sum;
        this.count = count;
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
        return new Histogram(bounds, counts.clone(), sum, count);
    }

    boolean sameBounds(Histogram other) {
        return Arrays.equals(bounds, other.bounds);
    }

    /** Adds {@code other} bucket by bucket; the bounds must be the same. */
    void add(Histogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        sum += other.sum;
        count += other.count;
    }

    HistogramValue toAvro() {
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

    void write(Binary.Writer w) {
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
