package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Temporality;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.DefaultAggregationSelector;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.mayfly.gateway.Points.labels;
import static org.assertj.core.api.Assertions.assertThat;

/** The OpenTelemetry Java SDK's OTLP/HTTP metric exporter against /v1/metrics, with delta and with cumulative temporality. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtelSdkIT {
    GatewayHarness h;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        h = new GatewayHarness(dir, Map.of());
    }

    @AfterAll
    void stop() {
        h.close();
    }

    private SdkMeterProvider provider(AggregationTemporalitySelector temporality, String instance) {
        return provider(temporality, instance, DefaultAggregationSelector.getDefault());
    }

    private SdkMeterProvider provider(AggregationTemporalitySelector temporality, String instance, DefaultAggregationSelector aggregations) {
        OtlpHttpMetricExporter exporter = OtlpHttpMetricExporter.builder()
                .setEndpoint(h.url("/v1/metrics"))
                .setAggregationTemporalitySelector(temporality)
                .setDefaultAggregationSelector(aggregations)
                .build();
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), "checkout",
                AttributeKey.stringKey("service.instance.id"), instance,
                AttributeKey.stringKey("cloud.region"), "eu-west-1")));
        return SdkMeterProvider.builder().setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build())
                .build();
    }

    private static void flush(SdkMeterProvider provider) {
        CompletableResultCode result = provider.forceFlush().join(20, TimeUnit.SECONDS);
        assertThat(result.isSuccess()).as("export acknowledged").isTrue();
    }

    /** The batch's points by name, without the SDK's own telemetry (otel_sdk_*), which it exports too. */
    private static List<MetricPoint> sorted(MetricEventBatch b) {
        return b.getPoints().stream().filter(p -> !p.getName().startsWith("otel_sdk_"))
                .sorted(Comparator.comparing(MetricPoint::getName)).toList();
    }

    @Test
    void deltaTemporality() {
        try (SdkMeterProvider provider = provider(AggregationTemporalitySelector.deltaPreferred(), "i-1")) {
            Meter meter = provider.get("shop");
            LongCounter orders = meter.counterBuilder("orders").setDescription("Orders.").build();
            DoubleHistogram latency = meter.histogramBuilder("latency").setUnit("s")
                    .setExplicitBucketBoundariesAdvice(List.of(0.1, 1.0)).build();
            LongUpDownCounter queue = meter.upDownCounterBuilder("queue.depth").build();
            orders.add(3, Attributes.of(AttributeKey.stringKey("pay.method"), "card"));
            latency.record(0.05);
            latency.record(0.5);
            queue.add(4);
            flush(provider);
            orders.add(2, Attributes.of(AttributeKey.stringKey("pay.method"), "card"));
            flush(provider);
        }
        List<MetricEventBatch> batches = h.read(3); // the third: the export on close
        MetricEventBatch first = batches.get(0);
        assertThat(first.getSource().getJob()).isEqualTo("checkout");
        assertThat(first.getSource().getInstance()).isEqualTo("i-1");
        assertThat(first.getSource().getRegion()).isEqualTo("eu-west-1");
        assertThat(first.getGroupingLabels()).isEmpty();
        assertThat(sorted(first)).containsExactly(
                Points.withUnit(Points.histogram("latency", null, labels(), List.of(0.1, 1.0), List.of(1L, 1L, 0L), 0.55, 2,
                        Temporality.DELTA, null, null), "s"),
                Points.counter("orders", "Orders.", labels("pay_method", "card"), 3),
                // deltaPreferred keeps UpDownCounters cumulative: a non-monotonic cumulative sum is a gauge
                Points.gauge("queue_depth", null, labels(), 4));
        assertThat(sorted(batches.get(1))).containsExactly(
                Points.counter("orders", "Orders.", labels("pay_method", "card"), 2),
                Points.gauge("queue_depth", null, labels(), 4));
        assertThat(sorted(batches.get(2))).containsExactly(Points.gauge("queue_depth", null, labels(), 4));
    }

    /**
     * One instrument the gateway cannot take (a gauge named as the counter's {@code _created} sample) costs only its own
     * points: the SDK's export succeeds (partial success) and the other instruments arrive. Of two clashing instruments
     * the one served under the lesser name is kept, whatever order the SDK exports them in.
     */
    @Test
    void anInstrumentThatCannotBeServedCostsOnlyItsOwnPoints() {
        try (SdkMeterProvider provider = provider(AggregationTemporalitySelector.deltaPreferred(), "i-4")) {
            Meter meter = provider.get("shop");
            meter.counterBuilder("refunds").build().add(2);
            meter.gaugeBuilder("refunds_created").build().set(1.0);
            flush(provider);
        }
        List<MetricEventBatch> batches = h.readAll(); // with the export on close
        assertThat(sorted(batches.get(0))).containsExactly(Points.counter("refunds", null, labels(), 2));
    }

    /** The SDK's base-2 exponential histogram arrives as a native histogram: every observation in its bucket. */
    @Test
    void exponentialHistogramsArriveAsNativeHistograms() {
        DefaultAggregationSelector exponential = DefaultAggregationSelector.getDefault()
                .with(InstrumentType.HISTOGRAM, Aggregation.base2ExponentialBucketHistogram());
        double[] observations = {0, 0.003, 0.2, 0.21, 1.5, 3, 3.1, 70, 1200};
        try (SdkMeterProvider provider = provider(AggregationTemporalitySelector.alwaysCumulative(), "i-3", exponential)) {
            DoubleHistogram latency = provider.get("shop").histogramBuilder("latency").setUnit("s").build();
            for (double v : observations) {
                latency.record(v);
            }
            flush(provider);
            latency.record(0.2);
            flush(provider);
        }
        List<MetricEventBatch> batches = h.read(3); // the third: the export on close
        MetricPoint first = sorted(batches.get(0)).get(0);
        assertThat(first.getType()).isEqualTo(MetricType.HISTOGRAM);
        assertThat(first.getHistogram()).isNull();
        assertThat(first.getTemporality()).isEqualTo(Temporality.CUMULATIVE);
        assertThat(first.getStreamId()).startsWith("otlp:");
        NativeHistogramValue h1 = first.getNativeHistogram();
        assertThat(h1.getCount()).isEqualTo(observations.length);
        assertThat(h1.getSum()).isCloseTo(java.util.Arrays.stream(observations).sum(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(h1.getZeroCount()).isEqualTo(1);
        assertThat(h1.getScale()).isBetween(-4, 8);
        // each observation in the bucket OpenTelemetry's index says: ceil(log2(v) * 2^scale) - 1
        java.util.Map<Integer, Long> expected = new java.util.TreeMap<>();
        for (double v : observations) {
            if (v > 0) {
                expected.merge((int) Math.ceil(Math.log(v) / Math.log(2) * Math.pow(2, h1.getScale())) - 1, 1L, Long::sum);
            }
        }
        java.util.Map<Integer, Long> actual = new java.util.TreeMap<>();
        for (int k = 0; k < h1.getPositiveCounts().size(); k++) {
            if (h1.getPositiveCounts().get(k) > 0) {
                actual.put(h1.getPositiveOffset() + k, h1.getPositiveCounts().get(k));
            }
        }
        assertThat(actual).isEqualTo(expected);
        NativeHistogramValue h2 = sorted(batches.get(1)).get(0).getNativeHistogram();
        assertThat(h2.getCount()).isEqualTo(observations.length + 1);
    }

    @Test
    void cumulativeTemporality() {
        try (SdkMeterProvider provider = provider(AggregationTemporalitySelector.alwaysCumulative(), "i-2")) {
            LongCounter orders = provider.get("shop").counterBuilder("orders").build();
            orders.add(3);
            flush(provider);
            orders.add(2);
            flush(provider);
        }
        List<MetricEventBatch> batches = h.read(3); // the third: the export on close
        assertThat(sorted(batches.get(2))).isEqualTo(sorted(batches.get(1)));
        MetricPoint p1 = sorted(batches.get(0)).get(0);
        MetricPoint p2 = sorted(batches.get(1)).get(0);
        assertThat(p1.getType()).isEqualTo(MetricType.COUNTER);
        assertThat(p1.getTemporality()).isEqualTo(Temporality.CUMULATIVE);
        assertThat(p1.getValue()).isEqualTo(3.0);
        assertThat(p2.getValue()).isEqualTo(5.0);
        assertThat(p1.getStreamId()).startsWith("otlp:").hasSize(5 + 32).isEqualTo(p2.getStreamId());
        assertThat(p1.getStartTime()).isNotNull().isEqualTo(p2.getStartTime());
        assertThat(p1.getStartTime()).isBefore(batches.get(0).getEmitTime().plusMillis(1));
    }
}
