package dev.mayfly.gateway.internal;

import com.google.protobuf.CodedOutputStream;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.validation.MetricValidator;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import io.prometheus.metrics.shaded.com_google_protobuf_4_36_2.Timestamp;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Native histograms in the Pushgateway protobuf format: MetricFamily messages encoded by the generated
 * io.prometheus.client classes (client_java's, the same schema as the Go client's), parsed, turned into points and
 * checked by the shared validator as the gateway does; the expected buckets are worked out from the values they hold,
 * in OpenTelemetry's index convention (bucket i of scale s holds (2^(i/2^s), 2^((i+1)/2^s)]).
 */
class ProtobufNativeHistogramTest {
    private static final PushOptions DELTA = new PushOptions(Temporality.DELTA, null, null, 100);

    @Test
    void spansWithGapsNegativeBucketsAndTheZeroBucketBecomeDenseRunsOneIndexLower() throws IOException {
        // Prometheus indexes: positive spans (-2, 2) (3, 1) (0, 2) hold buckets -2 -1 | 3 | 4 5 with counts 1 2 | 5 | 3 4
        // negative spans (1, 1) (2, 2) hold buckets 1 | 4 5 with counts 7 | 1 2
        Metrics.Histogram h = Metrics.Histogram.newBuilder().setSchema(3).setZeroThreshold(0.001).setZeroCount(2)
                .addPositiveSpan(span(-2, 2)).addPositiveSpan(span(3, 1)).addPositiveSpan(span(0, 2))
                .addAllPositiveDelta(List.of(1L, 1L, 3L, -2L, 1L))
                .addNegativeSpan(span(1, 1)).addNegativeSpan(span(2, 2)).addAllNegativeDelta(List.of(7L, -6L, 1L))
                .setSampleCount(2 + 15 + 10).setSampleSum(12.5).build();
        NativeHistogramValue v = onlyNative(points(delimited(family("latency", h)), DELTA));
        assertThat(v.getScale()).isEqualTo(3);
        assertThat(v.getZeroThreshold()).isEqualTo(0.001);
        assertThat(v.getZeroCount()).isEqualTo(2);
        assertThat(v.getPositiveOffset()).isEqualTo(-3);
        assertThat(v.getPositiveCounts()).containsExactly(1L, 2L, 0L, 0L, 0L, 5L, 3L, 4L);
        assertThat(v.getNegativeOffset()).isEqualTo(0);
        assertThat(v.getNegativeCounts()).containsExactly(7L, 0L, 0L, 1L, 2L);
        assertThat(v.getSum()).isEqualTo(12.5);
        assertThat(v.getCount()).isEqualTo(27);
    }

    @Test
    void bucketsHoldTheSameValuesAtTheCoarsestAndFinestSchemas() throws IOException {
        for (int schema : new int[]{-4, 0, 8}) {
            for (double value : new double[]{3.0, 1.5, 1e6, 0.01, 1.0}) {
                int prometheusIndex = prometheusIndex(value, schema);
                Metrics.Histogram h = Metrics.Histogram.newBuilder().setSchema(schema).setZeroThreshold(1e-9)
                        .addPositiveSpan(span(prometheusIndex, 1)).addPositiveDelta(1)
                        .addNegativeSpan(span(prometheusIndex, 1)).addNegativeDelta(2)
                        .setSampleCount(3).setSampleSum(-value).build();
                NativeHistogramValue v = onlyNative(points(delimited(family("latency", h)), DELTA));
                assertThat(v.getScale()).isEqualTo(schema);
                assertThat(v.getPositiveCounts()).containsExactly(1L);
                assertThat(v.getNegativeCounts()).containsExactly(2L);
                double[] bounds = openTelemetryBounds(v.getPositiveOffset(), schema);
                assertThat(value).as("%s at schema %s in Mayfly bucket %s (%s, %s]", value, schema, v.getPositiveOffset(), bounds[0], bounds[1])
                        .isGreaterThan(bounds[0]).isLessThanOrEqualTo(bounds[1]);
                assertThat(v.getNegativeOffset()).isEqualTo(v.getPositiveOffset()); // -value mirrors value
            }
        }
    }

    @Test
    void refusesASchemaOutsidePrometheusRangeNamingTheMetricAndTheRule() {
        for (int schema : new int[]{9, -5, -53}) {
            Metrics.Histogram h = Metrics.Histogram.newBuilder().setSchema(schema).setZeroThreshold(1e-9)
                    .addPositiveSpan(span(1, 1)).addPositiveDelta(1).setSampleCount(1).setSampleSum(1.5).build();
            assertThatThrownBy(() -> points(delimited(family("rpc_seconds", h)), DELTA))
                    .isInstanceOfSatisfying(PushRejected.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.reason()).isEqualTo("invalid_native_histogram");
                    })
                    .hasMessage("native histogram 'rpc_seconds' has scale " + schema + "; the scale must be between -4 and 8");
        }
    }

    @Test
    void floatHistogramsAreAcceptedWithWholeCountsOnly() throws IOException {
        Metrics.Histogram whole = Metrics.Histogram.newBuilder().setSchema(0).setZeroThreshold(0.5).setZeroCountFloat(1)
                .addPositiveSpan(span(1, 2)).addAllPositiveCount(List.of(2.0, 3.0))
                .setSampleCountFloat(6).setSampleSum(9).build();
        NativeHistogramValue v = onlyNative(points(delimited(family("f", whole)), DELTA));
        assertThat(v.getZeroCount()).isEqualTo(1);
        assertThat(v.getPositiveOffset()).isEqualTo(0);
        assertThat(v.getPositiveCounts()).containsExactly(2L, 3L);
        assertThat(v.getCount()).isEqualTo(6);

        Metrics.Histogram fractional = whole.toBuilder().setPositiveCount(1, 2.5).setSampleCountFloat(5.5).build();
        assertThatThrownBy(() -> points(delimited(family("f", fractional)), DELTA))
                .isInstanceOfSatisfying(PushRejected.class, e -> assertThat(e.reason()).isEqualTo(PushRejected.UNSUPPORTED_METRIC))
                .hasMessageContaining("histogram f is a float histogram with positive bucket count 2.5");
    }

    @Test
    void aHistogramWithClassicBucketsAndNativeFieldsIsKeptAsTheNativeOne() throws IOException {
        Metrics.Histogram both = Metrics.Histogram.newBuilder().setSampleCount(3).setSampleSum(4)
                .addBucket(Metrics.Bucket.newBuilder().setUpperBound(1).setCumulativeCount(1))
                .addBucket(Metrics.Bucket.newBuilder().setUpperBound(2).setCumulativeCount(3))
                .setSchema(0).setZeroThreshold(Math.pow(2, -128))
                .addPositiveSpan(span(1, 2)).addAllPositiveDelta(List.of(1L, 1L)).build();
        MetricPoint p = points(delimited(family("both", both)), DELTA).get(0);
        assertThat(p.getHistogram()).isNull();
        assertThat(p.getNativeHistogram().getPositiveCounts()).containsExactly(1L, 2L);

        Metrics.Histogram classic = both.toBuilder().clearSchema().clearZeroThreshold().clearPositiveSpan().clearPositiveDelta().build();
        MetricPoint c = points(delimited(family("classic", classic)), DELTA).get(0);
        assertThat(c.getNativeHistogram()).isNull();
        assertThat(c.getHistogram().getBucketCounts()).containsExactly(1L, 2L, 0L);
    }

    @Test
    void aNativeHistogramWithoutObservationsIsOneByItsNoOpSpan() throws IOException {
        Metrics.Histogram empty = Metrics.Histogram.newBuilder().setSchema(2).addPositiveSpan(span(0, 0)).build();
        MetricPoint p = points(delimited(family("idle", empty)), DELTA).get(0);
        assertThat(p.getNativeHistogram()).isEqualTo(new NativeHistogramValue(2, 0.0, 0L, 0, List.of(), 0, List.of(), 0.0, 0L));
    }

    @Test
    void packedAndUnpackedRepeatedFieldsReadTheSame() throws IOException {
        NativeHistogramValue expected = null;
        for (boolean packed : new boolean[]{false, true}) {
            byte[] span = message(c -> {
                c.writeSInt32(1, 5);
                c.writeUInt32(2, 3);
            });
            byte[] histogram = message(c -> {
                c.writeUInt64(1, 4);
                c.writeDouble(2, 40);
                c.writeSInt32(5, 1);
                c.writeDouble(6, 1e-3);
                c.writeByteArray(12, span);
                if (packed) {
                    c.writeByteArray(13, message(d -> {
                        d.writeSInt64NoTag(1);
                        d.writeSInt64NoTag(2);
                        d.writeSInt64NoTag(-3);
                    }));
                } else {
                    c.writeSInt64(13, 1);
                    c.writeSInt64(13, 2);
                    c.writeSInt64(13, -3);
                }
            });
            byte[] family = message(c -> {
                c.writeString(1, "p");
                c.writeEnum(3, 4);
                c.writeByteArray(4, message(m -> m.writeByteArray(7, histogram)));
            });
            byte[] body = message(c -> c.writeByteArrayNoTag(family)); // delimited as sent, not re-encoded
            assertThat(Metrics.MetricFamily.parseDelimitedFrom(new java.io.ByteArrayInputStream(body))
                    .getMetric(0).getHistogram().getPositiveDeltaList()).containsExactly(1L, 2L, -3L); // a valid encoding
            NativeHistogramValue v = onlyNative(points(body, DELTA));
            assertThat(v.getPositiveOffset()).isEqualTo(4);
            assertThat(v.getPositiveCounts()).containsExactly(1L, 3L, 0L);
            if (expected == null) {
                expected = v;
            }
            assertThat(v).isEqualTo(expected);
        }
    }

    @Test
    void followsThePushTemporalityAsClassicHistogramsDo() throws IOException {
        Metrics.Histogram h = Metrics.Histogram.newBuilder().setSchema(0).setZeroThreshold(1e-9)
                .addPositiveSpan(span(1, 1)).addPositiveDelta(4).setSampleCount(4).setSampleSum(6)
                .setCreatedTimestamp(Timestamp.newBuilder().setSeconds(1_700_000_000L)).build();
        MetricPoint delta = points(delimited(family("t", h)), DELTA).get(0);
        assertThat(delta.getTemporality()).isEqualTo(Temporality.DELTA);
        assertThat(delta.getStreamId()).isNull();
        assertThat(delta.getStartTime()).isNull();

        MetricPoint cumulative = points(delimited(family("t", h)), new PushOptions(Temporality.CUMULATIVE, "job/i-1", null, 100)).get(0);
        assertThat(cumulative.getTemporality()).isEqualTo(Temporality.CUMULATIVE);
        assertThat(cumulative.getStreamId()).isEqualTo("job/i-1");
        assertThat(cumulative.getStartTime()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(cumulative.getNativeHistogram()).isEqualTo(delta.getNativeHistogram());
    }

    @Test
    void refusesRunsWiderThanTheSharedRuleBeforeBuildingThem() {
        Metrics.Histogram wide = Metrics.Histogram.newBuilder().setSchema(0).setZeroThreshold(1e-9)
                .addPositiveSpan(span(0, 1)).addPositiveSpan(span(5000, 1)).addAllPositiveDelta(List.of(1L, 0L))
                .setSampleCount(2).setSampleSum(1).build();
        assertThatThrownBy(() -> points(delimited(family("wide", wide)), DELTA))
                .isInstanceOfSatisfying(PushRejected.class, e -> assertThat(e.reason()).isEqualTo("invalid_native_histogram"))
                .hasMessage("native histogram 'wide' has 5002 positive buckets; at most 4096 per side");
        Metrics.Histogram far = Metrics.Histogram.newBuilder().setSchema(0).setZeroThreshold(1e-9)
                .addNegativeSpan(span(Integer.MIN_VALUE, 1)).addNegativeDelta(1).setSampleCount(1).setSampleSum(-1).build();
        assertThatThrownBy(() -> points(delimited(family("far", far)), DELTA))
                .isInstanceOfSatisfying(PushRejected.class, e -> assertThat(e.reason()).isEqualTo("invalid_native_histogram"))
                .hasMessage("native histogram 'far': negative bucket indexes overflow");
    }

    @Test
    void refusesMalformedSpansAndCountsThatDoNotAddUp() {
        Metrics.Histogram.Builder base = Metrics.Histogram.newBuilder().setSchema(0).setZeroThreshold(1e-9).setSampleSum(1);
        assertRefused(base.build().toBuilder().addPositiveSpan(span(0, 3)).addAllPositiveDelta(List.of(1L, 0L)).setSampleCount(2),
                "malformed", "native histogram h has positive spans holding 3 buckets but 2 positive deltas");
        assertRefused(base.build().toBuilder().addPositiveSpan(span(0, 1)).addPositiveSpan(span(-2, 1)).addAllPositiveDelta(List.of(1L, 0L)).setSampleCount(2),
                "malformed", "native histogram h has positive span #2 with offset -2; only the first span may have a negative offset");
        assertRefused(base.build().toBuilder().addPositiveDelta(1).setSampleCount(1),
                "malformed", "native histogram h has positive spans holding 0 buckets but 1 positive deltas");
        assertRefused(base.build().toBuilder().addPositiveSpan(span(0, 2)).addAllPositiveDelta(List.of(1L, 0L)).setSampleCount(3),
                "histogram_count_mismatch", "native histogram 'h': zero count and bucket counts add up to 2 but count is 3");
        assertRefused(base.build().toBuilder().addPositiveSpan(span(0, 2)).addAllPositiveDelta(List.of(1L, -2L)).setSampleCount(0),
                "invalid_histogram_buckets", "native histogram 'h' has a negative positive bucket count");
    }

    @Test
    void gaugeHistogramsStayRefused() {
        Metrics.MetricFamily f = family("g", Metrics.Histogram.newBuilder().setSchema(0).setZeroThreshold(1e-9)
                .addPositiveSpan(span(1, 1)).addPositiveDelta(1).setSampleCount(1).setSampleSum(1).build())
                .toBuilder().setType(Metrics.MetricType.GAUGE_HISTOGRAM).build();
        assertThatThrownBy(() -> points(delimited(f), DELTA))
                .isInstanceOfSatisfying(PushRejected.class, e -> assertThat(e.reason()).isEqualTo(PushRejected.UNSUPPORTED_METRIC))
                .hasMessage("g is a gauge histogram; send a histogram");
    }

    private static void assertRefused(Metrics.Histogram.Builder h, String reason, String message) {
        assertThatThrownBy(() -> points(delimited(family("h", h.build())), DELTA))
                .isInstanceOfSatisfying(PushRejected.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessage(message);
    }

    /** Prometheus' index of the bucket holding v > 0 at {@code schema}: bucket i holds (2^((i-1)/2^s), 2^(i/2^s)]. */
    private static int prometheusIndex(double v, int schema) {
        return (int) Math.ceil(Math.log(v) / Math.log(2) * Math.pow(2, schema));
    }

    /** The bounds (lower, upper] of OpenTelemetry's bucket {@code index} at {@code scale}. */
    private static double[] openTelemetryBounds(int index, int scale) {
        double width = Math.pow(2, -scale);
        return new double[]{Math.pow(2, index * width), Math.pow(2, (index + 1) * width)};
    }

    private static NativeHistogramValue onlyNative(List<MetricPoint> points) {
        assertThat(points).hasSize(1);
        assertThat(points.get(0).getHistogram()).isNull();
        assertThat(points.get(0).getNativeHistogram()).isNotNull();
        return points.get(0).getNativeHistogram();
    }

    /** What the Pushgateway handler does with a body: parse, build the points, check them with the shared validator. */
    private static List<MetricPoint> points(byte[] body, PushOptions options) {
        PrometheusFamilies families = ProtobufFormatParser.parse(body, body.length);
        PointsBuilder builder = new PointsBuilder(options);
        families.addTo(builder);
        List<MetricPoint> points = new ArrayList<>(builder.points());
        PushPipeline.refuseInvalid(MetricValidator.withDefaults(), new MetricEventBatch("e-1", new Source("job", null, null, null),
                Instant.now(), Operation.RECORD, Map.of(), points));
        return points;
    }

    private static Metrics.BucketSpan span(int offset, int length) {
        return Metrics.BucketSpan.newBuilder().setOffset(offset).setLength(length).build();
    }

    private static Metrics.MetricFamily family(String name, Metrics.Histogram h) {
        return Metrics.MetricFamily.newBuilder().setName(name).setType(Metrics.MetricType.HISTOGRAM)
                .addMetric(Metrics.Metric.newBuilder().addLabel(Metrics.LabelPair.newBuilder().setName("route").setValue("/a"))
                        .setHistogram(h)).build();
    }

    private static byte[] delimited(Metrics.MetricFamily... families) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Metrics.MetricFamily f : families) {
                f.writeDelimitedTo(out);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private interface Writer {
        void write(CodedOutputStream c) throws IOException;
    }

    private static byte[] message(Writer w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        w.write(c);
        c.flush();
        return out.toByteArray();
    }
}
