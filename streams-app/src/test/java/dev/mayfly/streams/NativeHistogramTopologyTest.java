package dev.mayfly.streams;

import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Temporality;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static dev.mayfly.streams.Pipeline.batch;
import static dev.mayfly.streams.Pipeline.histogram;
import static org.assertj.core.api.Assertions.assertThat;

/** Native histograms through the topology: merged exactly across scales, cumulative streams turned into deltas. */
class NativeHistogramTopologyTest {
    private static final long T0 = 1_700_000_000_000L;

    static NativeHistogramValue value(int scale, long zeroCount, int offset, long[] positive, double sum) {
        long count = zeroCount;
        for (long c : positive) {
            count += c;
        }
        return NativeHistogramValue.newBuilder().setScale(scale).setZeroCount(zeroCount).setPositiveOffset(offset)
                .setPositiveCounts(java.util.Arrays.stream(positive).boxed().toList()).setSum(sum).setCount(count).build();
    }

    static MetricPoint nativePoint(String name, NativeHistogramValue h) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.HISTOGRAM).setNativeHistogram(h).build();
    }

    static MetricPoint cumulativeNative(String name, String stream, Long start, NativeHistogramValue h) {
        return MetricPoint.newBuilder(nativePoint(name, h)).setTemporality(Temporality.CUMULATIVE).setStreamId(stream)
                .setStartTime(start == null ? null : Instant.ofEpochMilli(start)).build();
    }

    @Test
    void deltasAtDifferentScalesMergeAtTheCoarserScaleAndExplicitBucketsOnTheSameSeriesAreRejected() {
        try (Pipeline p = Pipeline.start()) {
            // scale 1, buckets 0..3 = (1, 2^0.5], (2^0.5, 2], (2, 2^1.5], (2^1.5, 4]; at scale 0 they are buckets 0, 0, 1, 1
            p.send(batch("e1", T0, nativePoint("lat", value(1, 1, 0, new long[]{1, 2, 3, 4}, 25))));
            // scale 0, buckets 1..2 = (2, 4], (4, 8]
            p.send(batch("e2", T0 + 1, nativePoint("lat", value(0, 0, 1, new long[]{5, 6}, 60))));
            p.send(batch("e3", T0 + 2, histogram("lat", new double[]{1}, new long[]{1, 1}, 3)));

            NativeHistogramValue merged = p.aggregate("lat{job=\"fn\"}").getNativeHistogram();
            assertThat(merged.getScale()).isEqualTo(0);
            assertThat(merged.getZeroCount()).isEqualTo(1);
            assertThat(merged.getPositiveOffset()).isEqualTo(0);
            assertThat(merged.getPositiveCounts()).containsExactly(3L, 12L, 6L);
            assertThat(merged.getCount()).isEqualTo(22);
            assertThat(merged.getSum()).isEqualTo(85.0);
            assertThat(p.aggregate("lat{job=\"fn\"}").getHistogram()).isNull();
            assertThat(p.deadLetterReasons()).containsExactly("histogram_bounds_mismatch");
        }
    }

    @Test
    void cumulativeNativeHistogramsBecomeDeltasAcrossAScaleChangeAndAReset() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("a1", T0, cumulativeNative("lat", "s1", null, value(1, 0, 0, new long[]{1, 1}, 2.5))));
            // the SDK lowered the scale to 0: buckets 0 (1, 2] holds the two earlier observations and one new one
            p.send(batch("a2", T0 + 1, cumulativeNative("lat", "s1", null, value(0, 0, 0, new long[]{3, 1}, 7))));
            NativeHistogramValue after2 = p.aggregate("lat{job=\"fn\"}").getNativeHistogram();
            assertThat(after2.getScale()).isEqualTo(0);
            assertThat(after2.getPositiveCounts()).containsExactly(3L, 1L);
            assertThat(after2.getCount()).isEqualTo(4);

            // a reset without a new start time (fewer observations at a later time): counted whole
            p.send(batch("a3", T0 + 2, cumulativeNative("lat", "s1", null, value(0, 1, 2, new long[]{1}, 5))));
            NativeHistogramValue after3 = p.aggregate("lat{job=\"fn\"}").getNativeHistogram();
            assertThat(after3.getZeroCount()).isEqualTo(1);
            assertThat(after3.getPositiveOffset()).isEqualTo(0);
            assertThat(after3.getPositiveCounts()).containsExactly(3L, 1L, 1L);
            assertThat(after3.getCount()).isEqualTo(6);
            assertThat(after3.getSum()).isEqualTo(12.0);

            // a replayed earlier total of the same epoch adds nothing
            p.send(batch("a2-again", T0 + 1, cumulativeNative("lat", "s1", null, value(0, 0, 0, new long[]{3, 1}, 7))));
            assertThat(p.aggregate("lat{job=\"fn\"}").getNativeHistogram().getCount()).isEqualTo(6);
            assertThat(p.deadLetterReasons()).isEmpty();

            // with a start time, fewer observations a moment later are an older total that arrived late: nothing;
            // seconds later, a reset the source did not mark with a new start time: counted whole
            p.send(batch("b1", T0 + 3, cumulativeNative("lat", "s2", T0, value(0, 0, 0, new long[]{2}, 3))));
            p.send(batch("b2", T0 + 4, cumulativeNative("lat", "s2", T0, value(0, 0, 0, new long[]{1}, 1))));
            assertThat(p.aggregate("lat{job=\"fn\"}").getNativeHistogram().getCount()).isEqualTo(8);
            p.send(batch("b3", T0 + 10_000, cumulativeNative("lat", "s2", T0, value(0, 0, 0, new long[]{1}, 1))));
            assertThat(p.aggregate("lat{job=\"fn\"}").getNativeHistogram().getCount()).isEqualTo(9);
        }
    }

    @Test
    void anInvalidNativeHistogramIsADeadLetter() {
        try (Pipeline p = Pipeline.start()) {
            p.send(batch("e1", T0, nativePoint("lat", NativeHistogramValue.newBuilder(value(0, 0, 0, new long[]{1}, 1)).setScale(9).build())));
            assertThat(p.aggregates()).isEmpty();
            assertThat(p.deadLetterReasons()).containsExactly("invalid_native_histogram");
        }
    }
}
