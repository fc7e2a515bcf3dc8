package dev.mayfly.exporter.bench;

import dev.mayfly.exporter.internal.AggregatesCollector;
import dev.mayfly.exporter.internal.ContentNegotiation;
import dev.mayfly.exporter.internal.ExporterMetrics;
import dev.mayfly.exporter.internal.HistogramSeries;
import dev.mayfly.exporter.internal.LabelPart;
import dev.mayfly.exporter.internal.ScalarSeries;
import dev.mayfly.exporter.internal.Scraper;
import dev.mayfly.exporter.internal.SeriesMetadata;
import dev.mayfly.exporter.internal.SeriesStore;
import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Scrape time and store heap at 100k and 1M series (store filled directly, as the consumer fills it), and, when
 * {@code /usr/bin/prometheus-pushgateway} exists, the scrape time of a Pushgateway 1.5.1 holding the same series.
 * Not a test. Run with a 1 GB heap: see docs/benchmarks-exporter.md.
 */
public final class ScrapeBenchmark {
    private static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, Double.POSITIVE_INFINITY};

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length > 0 ? parse(args[0]) : new int[]{100_000, 1_000_000};
        boolean pushgateway = args.length < 2 || !args[1].equals("no-pushgateway");
        System.out.printf("java %s, %d cpus, max heap %d MB%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        for (int n : sizes) {
            runExporter(n);
            if (pushgateway && new java.io.File("/usr/bin/prometheus-pushgateway").canExecute()) {
                PushgatewayComparison.run(n);
            }
        }
    }

    private static int[] parse(String s) {
        return java.util.Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** 95% counters and gauges, 5% 10-bucket histograms, six labels each, like function metrics after aggregation. */
    static SeriesStore fill(int n) {
        SeriesStore store = new SeriesStore();
        SeriesMetadata counter = new SeriesMetadata(MetricType.COUNTER, "Requests handled by the function", null);
        SeriesMetadata gauge = new SeriesMetadata(MetricType.GAUGE, "In-flight requests", null);
        SeriesMetadata histogram = new SeriesMetadata(MetricType.HISTOGRAM, "Request duration", "seconds");
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            int kind = i % 20;
            String name = kind == 0 ? "fn_request_duration_seconds" : kind % 2 == 0 ? "fn_in_flight_requests" : "fn_requests";
            String key = SeriesKey.of(name, labels(i));
            String labelPart = LabelPart.of(key, name);
            if (kind == 0) {
                long[] counts = new long[BOUNDS.length];
                for (int b = 0; b < counts.length; b++) {
                    counts[b] = (i + b) % 7;
                }
                store.put(name, labelPart, new HistogramSeries(histogram, now - 3_600_000, now, BOUNDS, counts, i * 0.25));
            } else {
                store.put(name, labelPart, new ScalarSeries(kind % 2 == 0 ? gauge : counter, now - 3_600_000, now, i * 1.5));
            }
        }
        return store;
    }

    static TreeMap<String, String> labels(int i) {
        TreeMap<String, String> l = new TreeMap<>();
        l.put("job", "shop-" + (i % 10));
        l.put("function", "checkout-" + (i % 1000));
        l.put("region", i % 2 == 0 ? "eu-west-1" : "us-east-1");
        l.put("route", "/api/v1/items/" + (i / 1000));
        l.put("status", i % 13 == 0 ? "500" : "200");
        l.put("series", Integer.toString(i));
        return l;
    }

    private static void runExporter(int n) throws IOException {
        long before = usedHeapAfterGc();
        SeriesStore store = fill(n);
        long after = usedHeapAfterGc();
        PrometheusRegistry registry = new PrometheusRegistry();
        ExporterMetrics metrics = new ExporterMetrics(new PrometheusRegistry(), store, System::currentTimeMillis, "t");
        Scraper scraper = new Scraper(new AggregatesCollector(store), registry, metrics);
        System.out.printf("exporter %,d series: store heap %.0f MB (%.0f bytes/series)%n", n, (after - before) / 1048576.0, (after - before) / (double) n);
        for (ExpositionFormatWriter writer : List.of(ContentNegotiation.TEXT, ContentNegotiation.OPEN_METRICS)) {
            List<Long> millis = new ArrayList<>();
            long bytes = 0;
            for (int run = 0; run < 5; run++) {
                long t0 = System.nanoTime();
                CountingStream out = new CountingStream();
                scraper.write(out, writer, EscapingScheme.UNDERSCORE_ESCAPING, name -> true); // as MetricsHandler does
                millis.add((System.nanoTime() - t0) / 1_000_000);
                bytes = out.count;
            }
            System.out.printf(Locale.ROOT, "  %s: scrape (build + write, chunked) ms per run %s; %.1f MB%n",
                    writer.getContentType().split(";")[0], millis, bytes / 1048576.0);
        }
        store = null;
        scraper = null;
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    /** A Pushgateway on loopback holding the same series, pushed as text, scraped like the exporter. */
    static final class PushgatewayComparison {
        static void run(int n) throws Exception {
            int port;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Process pg = new ProcessBuilder("/usr/bin/prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + port,
                    "--push.disable-consistency-check", "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + port;
                for (int attempt = 0; attempt < 100; attempt++) {
                    try {
                        if (http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                            break;
                        }
                    } catch (IOException e) {
                        Thread.sleep(100);
                    }
                }
                int groups = 1000;
                int perGroup = n / groups;
                long pushStart = System.nanoTime();
                for (int g = 0; g < groups; g++) {
                    StringBuilder body = new StringBuilder(perGroup * 200);
                    body.append("# TYPE fn_requests_total counter\n");
                    for (int i = g * perGroup; i < (g + 1) * perGroup; i++) {
                        body.append("fn_requests_total{");
                        TreeMap<String, String> l = labels(i);
                        l.remove("job");
                        boolean first = true;
                        for (var e : l.entrySet()) {
                            body.append(first ? "" : ",").append(e.getKey()).append("=\"").append(e.getValue()).append('"');
                            first = false;
                        }
                        body.append("} ").append(i * 1.5).append('\n');
                    }
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics/job/shop/group/" + g))
                            .PUT(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() / 100 != 2) {
                        throw new IllegalStateException("pushgateway answered " + r.statusCode());
                    }
                }
                long pushMillis = (System.nanoTime() - pushStart) / 1_000_000;
                List<Long> millis = new ArrayList<>();
                long bytes = 0;
                for (int run = 0; run < 3; run++) {
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofByteArray());
                    millis.add((System.nanoTime() - t0) / 1_000_000);
                    bytes = r.body().length;
                }
                long rssKb = rssKb(pg.pid());
                System.out.printf(Locale.ROOT, "pushgateway 1.5.1 %,d series (all counters, %d groups): pushes took %d ms; GET /metrics ms per run %s; %.1f MB; RSS %d MB%n",
                        groups * perGroup, groups, pushMillis, millis, bytes / 1048576.0, rssKb / 1024);
            } finally {
                pg.destroy();
                pg.waitFor();
            }
        }

        private static long rssKb(long pid) throws IOException {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        }
    }
}
