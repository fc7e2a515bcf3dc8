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
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Native histograms end to end, against one standalone scraped by a real Prometheus with native histograms enabled
 * (protobuf):
 * <ul>
 * <li>OTLP: two function instances record with the OpenTelemetry SDK's base-2 exponential histogram at different
 *     maximum scales (4 and 2) and push deltas over OTLP/HTTP; histogram_count over the merged histogram equals the
 *     number of observations, histogram_sum their sum, and histogram_quantile(0.5 / 0.9) lies in the scale-2 bucket
 *     (the coarser input's resolution: a factor 2^(1/4) wide) of the true quantile computed from the observations;</li>
 * <li>Pushgateway protobuf: two delta pushes of native histograms (spans and deltas, encoded as the Go client does,
 *     Prometheus' bucket indexes); the same checks at the pushed schema, and the standalone's protobuf exposition
 *     holds exactly the buckets pushed, added up (negative buckets and the zero bucket included).</li>
 * </ul>
 * Ports: {@code -Dmayfly.it.port.base=N} uses N, N+1, N+2 (HTTP, Kafka, Prometheus); otherwise free ports.
 */
class NativeHistogramIT {
    private static final int MERGED_SCALE = 2;
    private static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    /** The Go client's default zero threshold. */
    private static final double GO_ZERO_THRESHOLD = Math.pow(2, -128);

    @TempDir
    static Path dir;
    private static MayflyProcess standalone;
    private static PrometheusServer prometheus;
    private static String url;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        if (System.getenv("CI") == null) {
            assumeTrue(PrometheusServer.isInstalled(), "prometheus is not installed");
        }
        Integer base = Integer.getInteger("mayfly.it.port.base");
        int httpPort = base == null ? Ports.free() : base;
        int kafkaPort = base == null ? Ports.free() : base + 1;
        int prometheusPort = base == null ? Ports.free() : base + 2;
        url = "http://127.0.0.1:" + httpPort;
        standalone = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(kafkaPort), "--bind", "127.0.0.1").start();
        prometheus = PrometheusServer.scraping(List.of("127.0.0.1:" + httpPort),
                Files.createDirectories(dir.resolve("prometheus")), prometheusPort, List.of("--enable-feature=native-histograms"));
        standalone.awaitOutput("Mayfly is ready", Duration.ofSeconds(150));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (standalone != null) {
            standalone.close();
        }
    }

    @Test
    void prometheusComputesQuantilesOfTheMergedNativeHistogram() throws Exception {
        Random random = new Random(42);
        List<Double> all = new ArrayList<>();
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
        assertCountSumAndQuantiles("checkout_latency{job=\"checkout\"}", all, MERGED_SCALE, 0.5, 0.9);
    }

    /**
     * histogram_count and histogram_sum of {@code series} equal those of {@code observations}, and each
     * histogram_quantile lies in the bucket at {@code scale} of the true quantile.
     */
    private static void assertCountSumAndQuantiles(String series, List<Double> observations, int scale, double... quantiles) throws Exception {
        double[] sorted = observations.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        assertThat(await(prometheus, "histogram_count(" + series + ")", sorted.length)).isEqualTo(sorted.length);
        double sum = prometheus.query("histogram_sum(" + series + ")").values().iterator().next();
        assertThat(sum).isCloseTo(Arrays.stream(sorted).sum(), org.assertj.core.data.Percentage.withPercentage(1e-9));
        for (double q : quantiles) {
            double truth = sorted[(int) Math.ceil(q * sorted.length) - 1];
            double[] bucket = bucketOf(truth, scale);
            double computed = prometheus.query("histogram_quantile(" + q + ", " + series + ")").values().iterator().next();
            System.out.printf("%s quantile %s: truth %.6f, Prometheus %.6f, bucket (%.6f, %.6f]%n", series, q, truth, computed, bucket[0], bucket[1]);
            assertThat(computed).as("%s quantile %s: truth %s, its scale-%s bucket (%s, %s]", series, q, truth, scale, bucket[0], bucket[1])
                    .isBetween(bucket[0], bucket[1]);
        }
    }

    @Test
    void nativeHistogramsPushedInThePushgatewayProtobufFormatAreScrapedBackExactly() throws Exception {
        int schema = 3;
        Random random = new Random(7);
        List<Double> latencies = new ArrayList<>();
        List<Double> offsets = new ArrayList<>();
        Map<Integer, Long> latencyBuckets = new TreeMap<>();
        Map<Integer, Long> positiveOffsets = new TreeMap<>();
        Map<Integer, Long> negativeOffsets = new TreeMap<>();
        long zeroOffsets = 0;
        for (int push = 0; push < 2; push++) { // two delta pushes, as two invocations would
            List<Double> l = new ArrayList<>();
            List<Double> o = new ArrayList<>();
            for (int i = 0; i < 400 + 300 * push; i++) {
                l.add(Math.exp(random.nextGaussian() - 2)); // log-normal around 0.135 s
                o.add(random.nextInt(10) == 0 ? 0.0 : random.nextGaussian() * 5); // both signs and exact zeros
            }
            byte[] body = delimited(
                    family("pgw_latency_seconds", histogram(schema, l)),
                    family("pgw_offset", histogram(schema, o)));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics/job/pgw"))
                    .header("Content-Type", PROTOBUF).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            latencies.addAll(l);
            offsets.addAll(o);
            for (double v : l) {
                latencyBuckets.merge(prometheusIndex(v, schema), 1L, Long::sum);
            }
            for (double v : o) {
                if (v == 0) {
                    zeroOffsets++;
                } else {
                    (v > 0 ? positiveOffsets : negativeOffsets).merge(prometheusIndex(Math.abs(v), schema), 1L, Long::sum);
                }
            }
        }

        assertCountSumAndQuantiles("pgw_latency_seconds{job=\"pgw\"}", latencies, schema, 0.5, 0.9, 0.99); // schema s = scale s
        String offsetSeries = "pgw_offset{job=\"pgw\"}";
        assertThat(await(prometheus, "histogram_count(" + offsetSeries + ")", offsets.size())).isEqualTo(offsets.size());
        assertThat(prometheus.query("histogram_sum(" + offsetSeries + ")").values().iterator().next())
                .isCloseTo(offsets.stream().mapToDouble(Double::doubleValue).sum(), org.assertj.core.data.Offset.offset(1e-6));

        // what a protobuf scraper gets: exactly the pushed buckets, added up, in Prometheus' indexes
        Map<String, Metrics.Histogram> scraped = scrapeProtobuf();
        Metrics.Histogram latency = scraped.get("pgw_latency_seconds");
        assertThat(latency.getSchema()).isEqualTo(schema);
        assertThat(latency.getSampleCount()).isEqualTo(latencies.size());
        assertThat(buckets(latency.getPositiveSpanList(), latency.getPositiveDeltaList())).isEqualTo(latencyBuckets);
        assertThat(buckets(latency.getNegativeSpanList(), latency.getNegativeDeltaList())).isEmpty();
        Metrics.Histogram offset = scraped.get("pgw_offset");
        assertThat(offset.getZeroThreshold()).isEqualTo(GO_ZERO_THRESHOLD);
        assertThat(offset.getZeroCount()).isEqualTo(zeroOffsets);
        assertThat(buckets(offset.getPositiveSpanList(), offset.getPositiveDeltaList())).isEqualTo(positiveOffsets);
        assertThat(buckets(offset.getNegativeSpanList(), offset.getNegativeDeltaList())).isEqualTo(negativeOffsets);
    }

    /** Prometheus' index of the bucket holding v &gt; 0 at {@code schema}: bucket i holds (2^((i-1)/2^s), 2^(i/2^s)]. */
    private static int prometheusIndex(double v, int schema) {
        return (int) Math.ceil(Math.log(v) / Math.log(2) * (1 << schema));
    }

    /**
     * A native histogram of {@code values} as the Go client writes one: its default zero threshold, and per side the
     * non-empty buckets as spans (the first offset absolute, later ones the gap to the span before) and deltas.
     */
    private static Metrics.Histogram histogram(int schema, List<Double> values) {
        TreeMap<Integer, Long> positive = new TreeMap<>();
        TreeMap<Integer, Long> negative = new TreeMap<>();
        long zero = 0;
        double sum = 0;
        for (double v : values) {
            sum += v;
            if (Math.abs(v) <= GO_ZERO_THRESHOLD) {
                zero++;
            } else {
                (v > 0 ? positive : negative).merge(prometheusIndex(Math.abs(v), schema), 1L, Long::sum);
            }
        }
        Metrics.Histogram.Builder h = Metrics.Histogram.newBuilder().setSchema(schema).setZeroThreshold(GO_ZERO_THRESHOLD)
                .setZeroCount(zero).setSampleCount(values.size()).setSampleSum(sum);
        encodeSide(positive, h::addPositiveSpan, h::addPositiveDelta);
        encodeSide(negative, h::addNegativeSpan, h::addNegativeDelta);
        return h.build();
    }

    private static void encodeSide(TreeMap<Integer, Long> buckets, java.util.function.Consumer<Metrics.BucketSpan> spans,
                                   java.util.function.LongConsumer deltas) {
        Integer next = null; // the index after the current span
        int spanStart = 0;
        int length = 0;
        long previous = 0;
        for (Map.Entry<Integer, Long> b : buckets.entrySet()) {
            int index = b.getKey();
            if (next == null || index != next) {
                if (next != null) {
                    spans.accept(Metrics.BucketSpan.newBuilder().setOffset(spanStart).setLength(length).build());
                }
                spanStart = next == null ? index : index - next;
                length = 0;
            }
            length++;
            next = index + 1;
            deltas.accept(b.getValue() - previous);
            previous = b.getValue();
        }
        if (next != null) {
            spans.accept(Metrics.BucketSpan.newBuilder().setOffset(spanStart).setLength(length).build());
        }
    }

    /** The non-empty buckets (Prometheus index to count) that spans and deltas describe. */
    private static Map<Integer, Long> buckets(List<Metrics.BucketSpan> spans, List<Long> deltas) {
        Map<Integer, Long> out = new TreeMap<>();
        int index = 0;
        int k = 0;
        long count = 0;
        for (Metrics.BucketSpan span : spans) {
            index += span.getOffset();
            for (int i = 0; i < span.getLength(); i++, index++) {
                count += deltas.get(k++);
                if (count != 0) {
                    out.put(index, count);
                }
            }
        }
        assertThat(k).isEqualTo(deltas.size());
        return out;
    }

    /** The standalone's /metrics in the protobuf format: each native histogram of job pgw by metric name. */
    private Map<String, Metrics.Histogram> scrapeProtobuf() throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).header("Accept", PROTOBUF).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/vnd.google.protobuf");
        Map<String, Metrics.Histogram> out = new TreeMap<>();
        InputStream in = new ByteArrayInputStream(r.body());
        for (Metrics.MetricFamily f = Metrics.MetricFamily.parseDelimitedFrom(in); f != null; f = Metrics.MetricFamily.parseDelimitedFrom(in)) {
            for (Metrics.Metric m : f.getMetricList()) {
                if (m.getLabelList().stream().anyMatch(l -> l.getName().equals("job") && l.getValue().equals("pgw"))) {
                    out.put(f.getName(), m.getHistogram());
                }
            }
        }
        return out;
    }

    private static Metrics.MetricFamily family(String name, Metrics.Histogram h) {
        return Metrics.MetricFamily.newBuilder().setName(name).setHelp("Pushed in the Pushgateway protobuf format.")
                .setType(Metrics.MetricType.HISTOGRAM).addMetric(Metrics.Metric.newBuilder().setHistogram(h)).build();
    }

    private static byte[] delimited(Metrics.MetricFamily... families) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Metrics.MetricFamily f : families) {
            f.writeDelimitedTo(out);
        }
        return out.toByteArray();
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
