package dev.mayfly.schemas.validation;

import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared validator's rules for native histograms, through {@link MetricValidator#check}. */
class NativeHistogramRulesTest {
    private static final MetricValidator V = MetricValidator.withDefaults();

    private static NativeHistogramValue.Builder valid() {
        // scale 0: positive buckets 1 (1,2] x2, 2 (2,4] x1; negative bucket 0 (-1,-0.5] x1; zero bucket x1
        return NativeHistogramValue.newBuilder().setScale(0).setZeroThreshold(1e-9).setZeroCount(1)
                .setPositiveOffset(1).setPositiveCounts(List.of(2L, 1L)).setNegativeOffset(0).setNegativeCounts(List.of(1L))
                .setSum(4.25).setCount(5);
    }

    private static String reason(NativeHistogramValue.Builder h) {
        MetricPoint p = MetricPoint.newBuilder().setName("latency_seconds").setType(MetricType.HISTOGRAM).setNativeHistogram(h.build()).build();
        Violation v = V.check(MetricValidatorTest.batch(p));
        return v == null ? null : v.reason();
    }

    @Test
    void acceptsAWellFormedNativeHistogram() {
        assertThat(reason(valid())).isNull();
        assertThat(reason(valid().setScale(-4))).isNull();
        assertThat(reason(valid().setScale(8).setPositiveOffset(-300))).isNull();
        assertThat(reason(valid().setZeroThreshold(0).setZeroCount(0).setCount(4))).isNull();
    }

    @Test
    void refusesScalesOutsidePrometheusRange() {
        assertThat(reason(valid().setScale(9))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setScale(-5))).isEqualTo("invalid_native_histogram");
    }

    @Test
    void refusesBucketIndexesThatDescribeNoDoubleValue() {
        // at scale 0 bucket i holds (2^i, 2^(i+1)]: doubles reach from bucket -1075 to bucket 1023
        assertThat(reason(valid().setPositiveOffset(1022))).as("buckets 1022 and 1023").isNull();
        assertThat(reason(valid().setPositiveOffset(1023))).as("bucket 1024 holds nothing below 2^1025").isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setNegativeOffset(-1075))).isNull();
        assertThat(reason(valid().setNegativeOffset(-1076))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setPositiveOffset(300_000_000))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setScale(8).setPositiveOffset(262_142))).as("the top two buckets at scale 8").isNull();
        assertThat(reason(valid().setScale(8).setPositiveOffset(262_143))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setScale(-4).setPositiveOffset(62))).isNull();
        assertThat(reason(valid().setScale(-4).setPositiveOffset(63))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setScale(-4).setNegativeOffset(-68))).isNull();
        assertThat(reason(valid().setScale(-4).setNegativeOffset(-69))).isEqualTo("invalid_native_histogram");
    }

    @Test
    void refusesABadZeroBucket() {
        assertThat(reason(valid().setZeroThreshold(-1))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setZeroThreshold(Double.NaN))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setZeroCount(-1).setCount(3))).isEqualTo("invalid_histogram_buckets");
    }

    @Test
    void refusesCountsThatDoNotAddUp() {
        assertThat(reason(valid().setCount(6))).isEqualTo("histogram_count_mismatch");
        assertThat(reason(valid().setPositiveCounts(List.of(-1L, 4L)))).isEqualTo("invalid_histogram_buckets");
        assertThat(reason(valid().setZeroCount(Long.MAX_VALUE))).isEqualTo("invalid_histogram_buckets");
        assertThat(reason(valid().setSum(Double.POSITIVE_INFINITY))).isEqualTo("non_finite_value");
    }

    @Test
    void refusesTooManyBucketsAndOverflowingIndexes() {
        List<Long> many = new ArrayList<>(Collections.nCopies(NativeHistogramRules.MAX_BUCKETS_PER_SIDE + 1, 0L));
        assertThat(reason(valid().setNegativeCounts(many).setCount(4))).isEqualTo("invalid_native_histogram");
        assertThat(reason(valid().setPositiveOffset(Integer.MAX_VALUE - 1))).isEqualTo("invalid_native_histogram");
    }

    @Test
    void refusesBothRepresentationsOnOnePoint() {
        MetricPoint p = MetricPoint.newBuilder().setName("h").setType(MetricType.HISTOGRAM).setNativeHistogram(valid().build())
                .setHistogram(new HistogramValue(List.of(), List.of(5L), 4.25, 5L)).build();
        assertThat(V.check(MetricValidatorTest.batch(p)).reason()).isEqualTo("invalid_histogram");
    }
}
