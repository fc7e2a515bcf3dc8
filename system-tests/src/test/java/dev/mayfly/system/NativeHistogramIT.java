package dev.mayfly.system;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.DefaultAggregationSelector;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Native histograms end to end: two function instances record with the OpenTelemetry SDK's base-2 exponential
 * histogram at different maximum scales (4 and 2) and push deltas over OTLP/HTTP to a standalone; a real Prometheus
 * with native histograms enabled scrapes it (protobuf). histogram_count over the merged histogram equals the number
 * of observations, histogram_sum their sum, and histogram_quantile(0.5 / 0.9) lies in the scale-2 bucket (the
 * coarser input's resolution: a factor 2^(1/4) wide) of the true quantile computed from the observations.
 * Ports: {@code -Dmayfly.it.port.base=N} uses N, N+1, N+2 (HTTP, Kafka, Prometheus); otherwise free ports.
 */
class NativeHistogramIT {
    private static final int MERGED_SCALE = 2;

    @TempDir
    Path dir;

    @Test
    void prometheusComputesQuantilesOfTheMergedNativeHistogram() throws Exception {
        if (System.getenv("CI") == null) {
            assumeTrue(PrometheusServer.isInstalled(), "prometheus is not installed");
        }
        Integer base = Integer.getInteger("mayfly.it.port.base");
        int httpPort = base == null ? Ports.free() : base;
        int kafkaPort = base == null ? Ports.free() : base + 1;
        int prometheusPort = base == null ? Ports.free() : base + 2;
        String url = "http://127.0.0.1:" + httpPort;
        Random random = new Random(42);
        List<Double> all = new ArrayList<>();

        try (MayflyProcess standalone = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(kafkaPort), "--bind", "127.0.0.1").start();
             PrometheusServer prometheus = PrometheusServer.scraping(List.of("127.0.0.1:" + httpPort),
                     Files.createDirectories(dir.resolve("prometheus")), prometheusPort, List.of("--enable-feature=native-histograms"))) {
            standalone.awaitOutput("Mayfly is ready", Duration.ofSeconds(150));
            for (int instance = 0; instance < 2; instance++) {
                int maxScale = instance == 0 ? 4 : MERGED_SCALE;
                try (SdkMeterProvider provider = provider(url, "i-" + instance, maxScale)) {
                    DoubleHistogram latency = provider.get("shop").histogramBuilder("checkout.latency").setUnit("s").build();
                    for (int i = 0; i < 300 + 200 * instance; i++) {
                        double v = Math.exp(random.nextGaussian() - 2); // log-normal around 0.135 s
                        latency.record(v);
                        all.add(v);
                    }
                    CompletableResultCode flushed = provider.forceFlush().join(20, TimeUnit.SECONDS);
                    assertThat(flushed.isSuccess()).as("export acknowledged (see %s)", dir).isTrue();
                }
            }
            double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            String series = "checkout_latency{job=\"checkout\"}";

            double count = await(prometheus, "histogram_count(" + series + ")", sorted.length);
            assertThat(count).isEqualTo(sorted.length);
            double sum = prometheus.query("histogram_sum(" + series + ")").values().iterator().next();
            assertThat(sum).isCloseTo(Arrays.stream(sorted).sum(), org.assertj.core.data.Percentage.withPercentage(1e-9));
            for (double q : new double[]{0.5, 0.9}) {
                double truth = sorted[(int) Math.ceil(q * sorted.length) - 1];
                double[] bucket = bucketOf(truth, MERGED_SCALE);
                double computed = prometheus.query("histogram_quantile(" + q + ", " + series + ")").values().iterator().next();
                System.out.printf("quantile %s: truth %.6f, Prometheus %.6f, bucket (%.6f, %.6f]%n", q, truth, computed, bucket[0], bucket[1]);
                assertThat(computed).as("quantile %s: truth %s, its scale-%s bucket (%s, %s]", q, truth, MERGED_SCALE, bucket[0], bucket[1])
                        .isBetween(bucket[0], bucket[1]);
            }
        }
    }

    private static SdkMeterProvider provider(String url, String instance, int maxScale) {
        OtlpHttpMetricExporter exporter = OtlpHttpMetricExporter.builder()
                .setEndpoint(url + "/v1/metrics")
                .setAggregationTemporalitySelector(AggregationTemporalitySelector.deltaPreferred())
                .setDefaultAggregationSelector(DefaultAggregationSelector.getDefault()
                        .with(InstrumentType.HISTOGRAM, Aggregation.base2ExponentialBucketHistogram(160, maxScale)))
                .build();
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), "checkout", AttributeKey.stringKey("service.instance.id"), instance)));
        return SdkMeterProvider.builder().setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build())
                .build();
    }

    /** The bounds (lower, upper] of the bucket holding v at {@code scale}: OpenTelemetry index ceil(log2(v) 2^scale) - 1. */
    static double[] bucketOf(double v, int scale) {
        int index = (int) Math.ceil(Math.log(v) / Math.log(2) * (1 << scale)) - 1;
        return new double[]{Math.pow(2, (double) index / (1 << scale)), Math.pow(2, (index + 1.0) / (1 << scale))};
    }

    /** Polls an instant query until it returns {@code expected} (Prometheus scrapes every second). */
    private static double await(PrometheusServer prometheus, String promql, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Double> last = Map.of();
        while (System.nanoTime() < deadline) {
            last = prometheus.query(promql);
            if (last.size() == 1 && last.values().iterator().next() == expected) {
                return expected;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(promql + " never returned " + expected + "; last " + last);
    }
}
