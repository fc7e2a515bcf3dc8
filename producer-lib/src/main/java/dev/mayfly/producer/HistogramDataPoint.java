package dev.mayfly.producer;

/**
 * One histogram series with explicit bucket bounds: {@link MayflyMetrics#flush()} reports the observations since the
 * previous flush (per-bucket counts, sum and count).
 */
public interface HistogramDataPoint {
    /** Records one observation; NaN is ignored. */
    void observe(double value);
}
