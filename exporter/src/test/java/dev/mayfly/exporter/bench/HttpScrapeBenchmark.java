package dev.mayfly.exporter.bench;

import dev.mayfly.exporter.internal.AggregatesCollector;
import dev.mayfly.exporter.internal.ExporterMetrics;
import dev.mayfly.exporter.internal.MetricsHandler;
import dev.mayfly.exporter.internal.Scraper;
import dev.mayfly.exporter.internal.SeriesStore;
import dev.mayfly.http.HttpServer;
import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.http.Route;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The exporter's {@code GET /metrics} of N series through the real HTTP server ({@link HttpServer}, the exporter's
 * {@link MetricsHandler} on its own executor, as {@code Exporter.route()} serves it), read by the JDK's HTTP client
 * in the same JVM: time per scrape, bytes, and the peak of the heap pools during the scrape (the store and garbage
 * not yet collected included). Run it with a heap only a little larger than the store (e.g.
 * {@code -Xmx400m} for 1M series, whose store takes ~225 MB): a server that buffered the ~225 MB response would run
 * out of memory. Not a test. Usage: HttpScrapeBenchmark [SERIES (default 1000000)] [SCRAPES (default 3)]
 */
public final class HttpScrapeBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int scrapes = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf("java %s, %d cpus, max heap %d MB%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        long before = ScrapeBenchmark.usedHeapAfterGc();
        SeriesStore store = ScrapeBenchmark.fill(n);
        long stored = ScrapeBenchmark.usedHeapAfterGc();
        System.out.printf(Locale.ROOT, "%,d series: store heap %.0f MB%n", n, (stored - before) / 1048576.0);
        ExporterMetrics metrics = new ExporterMetrics(new PrometheusRegistry(), store, System::currentTimeMillis, "t");
        MetricsHandler handler = new MetricsHandler(
                new Scraper(new AggregatesCollector(store), new PrometheusRegistry(), metrics), () -> true, metrics);
        ExecutorService scrapePool = Executors.newFixedThreadPool(4);
        try (HttpServer server = HttpServer.create(HttpServerOptions.defaults().withAddress("127.0.0.1", 0))) {
            server.route(Route.of(MetricsHandler.PATH, handler.forPath()).onExecutor(scrapePool));
            server.start();
            HttpClient client = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + MetricsHandler.PATH);
            for (int run = 1; run <= scrapes; run++) {
                long used = ScrapeBenchmark.usedHeapAfterGc();
                ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
                long t0 = System.nanoTime();
                HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                long bytes = 0;
                byte[] buffer = new byte[1 << 16];
                try (InputStream body = response.body()) {
                    for (int r; (r = body.read(buffer)) >= 0; ) {
                        bytes += r;
                    }
                }
                long millis = (System.nanoTime() - t0) / 1_000_000;
                long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                System.out.printf(Locale.ROOT, "scrape %d: status %d, %.1f MB in %d ms; used heap before %.0f MB, peak "
                                + "during %.0f MB (uncollected garbage included)%n", run, response.statusCode(),
                        bytes / 1048576.0, millis, used / 1048576.0, peak / 1048576.0);
            }
        } finally {
            scrapePool.shutdownNow();
        }
    }
}
