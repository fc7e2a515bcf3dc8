package dev.mayfly.streams.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HistogramTest {

    @Test
    void differentBoundsAddIntoTheirUnionEachBucketAtItsOwnUpperBound() {
        Histogram h = new Histogram(new double[]{1, 10}, new long[]{1, 2, 3}, 20, 6);
        h.add(new Histogram(new double[]{5, 10, 20}, new long[]{4, 1, 1, 1}, 30, 7));
        assertThat(h.bounds).containsExactly(1, 5, 10, 20);
        assertThat(h.counts).containsExactly(1, 4, 3, 1, 4);
        assertThat(h.count).isEqualTo(13);
        assertThat(h.sum).isEqualTo(50);
    }

    @Test
    void boundsAmongTheSeriesOnesAddInPlace() {
        Histogram h = new Histogram(new double[]{1, 5, 10}, new long[]{1, 1, 1, 1}, 0, 4);
        double[] before = h.bounds;
        h.add(new Histogram(new double[]{5}, new long[]{2, 3}, 0, 5));
        assertThat(h.bounds).isSameAs(before);
        assertThat(h.counts).containsExactly(1, 3, 1, 4);
        assertThat(h.count).isEqualTo(9);
    }

    @Test
    void negativeAndPositiveZeroAreOneBound() {
        Histogram h = new Histogram(new double[]{-0.0, 1}, new long[]{1, 1, 1}, 0, 3);
        h.add(new Histogram(new double[]{0.0, 2}, new long[]{2, 2, 2}, 0, 6));
        assertThat(h.bounds).hasSize(3);
        assertThat(h.counts).containsExactly(3, 1, 2, 3);
    }

    @Test
    void aCopySharingBoundsKeepsThemWhenTheOriginalWidens() {
        Histogram h = new Histogram(new double[]{1}, new long[]{1, 1}, 0, 2);
        Histogram copy = h.copy();
        h.add(new Histogram(new double[]{2}, new long[]{1, 0}, 0, 1));
        assertThat(copy.bounds).containsExactly(1);
        assertThat(copy.counts).containsExactly(1, 1);
        assertThat(h.counts).containsExactly(1, 1, 1);
    }

    @Test
    void nativeAndExplicitNeverAddAndTheReasonSaysWhich() {
        Histogram explicit = new Histogram(new double[]{1}, new long[]{1, 1}, 0, 2);
        Histogram nativeOne = new Histogram(new NativeBuckets(0, 0, 0, NativeBuckets.Side.EMPTY, NativeBuckets.Side.EMPTY), 0, 0);
        assertThat(explicit.whyNotAddable(nativeOne)).contains("explicit buckets, the point is a native histogram");
        assertThat(nativeOne.whyNotAddable(explicit)).contains("is a native histogram, the point has explicit buckets");
        assertThat(explicit.whyNotAddable(new Histogram(new double[]{2}, new long[]{0, 0}, 0, 0))).isNull();
    }
}
