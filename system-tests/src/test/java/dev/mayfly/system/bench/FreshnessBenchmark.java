package dev.mayfly.system.bench;

import dev.mayfly.producer.Counter;
import dev.mayfly.producer.MayflyMetrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * Freshness: the time from {@code flush()} acknowledged by Kafka to the new value being visible on {@code /metrics},
 * against a running Mayfly (e.g. {@code ./mayfly standalone}). Not a test: see docs/benchmarks.md.
 *
 * <p>Arguments: bootstrap servers, metrics URL, number of probes. Prints p50, p90, p99 and max in milliseconds.
 */
public final class FreshnessBenchmark {
    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
        String metricsUrl = args.length > 1 ? args[1] : "http://localhost:9091/metrics";
        int probes = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        String job = "freshness-" + System.nanoTime();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest scrape = HttpRequest.newBuilder(URI.create(metricsUrl + "?name[]=freshness_probe_total")).build();
        String sample = "freshness_probe_total{job=\"" + job + "\"}";
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(Map.of("bootstrap.servers", bootstrap, "job", job))) {
            Counter probe = metrics.counter("freshness_probe_total").help("Freshness probe.").register();
            double[] millis = new double[probes];
            java.util.Random random = new java.util.Random(7);
            for (int i = 1; i <= probes; i++) {
                probe.labelValues().inc();
                metrics.flush();
                long acknowledged = System.nanoTime();
                String expected = sample + " " + (double) i;
                while (true) {
                    String body = http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
                    if (body.contains(expected + "\n")) {
                        break;
                    }
                    if (System.nanoTime() - acknowledged > Duration.ofSeconds(30).toNanos()) {
                        throw new IllegalStateException("probe " + i + " not visible after 30 s");
                    }
                    Thread.sleep(2);
                }
                millis[i - 1] = (System.nanoTime() - acknowledged) / 1e6;
                Thread.sleep(random.nextInt(500)); // random phase against the commit and publish cycles
            }
            Arrays.sort(millis);
            System.out.printf("freshness over %d probes: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms%n", probes,
                    millis[probes / 2], millis[(int) (probes * 0.9)], millis[(int) Math.min(probes - 1, Math.ceil(probes * 0.99) - 1)], millis[probes - 1]);
        }
    }
}
