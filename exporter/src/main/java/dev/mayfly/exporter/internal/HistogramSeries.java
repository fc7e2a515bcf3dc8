package dev.mayfly.exporter.internal;

import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;

/**
 * A classic or a native histogram. A native one has no classic buckets (both arrays empty) and holds Prometheus'
 * native buckets instead (Prometheus' index convention: bucket i of schema s holds (2^((i-1)/2^s), 2^(i/2^s)]).
 * A classic histogram. {@code upperBounds} ends with +Inf and is interned (series with the same bounds share one
 * array); {@code bucketCounts} holds one count per bucket, not cumulative, as the Prometheus client expects.
 * Neither array is modified after construction.
 */
public final class HistogramSeries extends StoredSeries {
    private final double[] upperBounds;
    private final long[] bucketCounts;
    private final double sum;
    private final NativeBuckets nativeBuckets;

    /** The native part of a histogram, as the Prometheus client model takes it. */
    record NativeBuckets(int schema, double zeroThreshold, long zeroCount, NativeHistogramBuckets positive,
                         NativeHistogramBuckets negative) {
    }

    public HistogramSeries(SeriesMetadata metadata, long createdMillis, long updatedMillis, NativeBuckets nativeBuckets, double sum) {
        super(metadata, createdMillis, updatedMillis);
        this.upperBounds = new double[0];
        this.bucketCounts = new long[0];
        this.sum = sum;
        this.nativeBuckets = nativeBuckets;
    }

    public HistogramSeries(SeriesMetadata metadata, long createdMillis, long updatedMillis,
                           double[] upperBounds, long[] bucketCounts, double sum) {
        super(metadata, createdMillis, updatedMillis);
        if (upperBounds.length != bucketCounts.length) {
            throw new IllegalArgumentException("one count per bucket: " + upperBounds.length + " bounds, " + bucketCounts.length + " counts");
        }
        this.upperBounds = upperBounds;
        this.bucketCounts = bucketCounts;
        this.sum = sum;
        this.nativeBuckets = null;
    }

    /** The native buckets; null for a classic histogram. */
    NativeBuckets nativeBuckets() {
        return nativeBuckets;
    }

    double[] upperBounds() {
        return upperBounds;
    }

    long[] bucketCounts() {
        return bucketCounts;
    }

    public double sum() {
        return sum;
    }
}
