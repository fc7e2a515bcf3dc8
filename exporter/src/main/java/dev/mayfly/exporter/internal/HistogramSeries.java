package dev.mayfly.exporter.internal;

/**
 * A classic histogram. {@code upperBounds} ends with +Inf and is interned (series with the same bounds share one
 * array); {@code bucketCounts} holds one count per bucket, not cumulative, as the Prometheus client expects.
 * Neither array is modified after construction.
 */
public final class HistogramSeries extends StoredSeries {
    private final double[] upperBounds;
    private final long[] bucketCounts;
    private final double sum;

    public HistogramSeries(SeriesMetadata metadata, long createdMillis, long updatedMillis,
                           double[] upperBounds, long[] bucketCounts, double sum) {
        super(metadata, createdMillis, updatedMillis);
        if (upperBounds.length != bucketCounts.length) {
            throw new IllegalArgumentException("one count per bucket: " + upperBounds.length + " bounds, " + bucketCounts.length + " counts");
        }
        this.upperBounds = upperBounds;
        this.bucketCounts = bucketCounts;
        this.sum = sum;
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
