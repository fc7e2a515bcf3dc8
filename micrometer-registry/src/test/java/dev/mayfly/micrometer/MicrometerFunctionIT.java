package dev.mayfly.micrometer;

import dev.mayfly.producer.FlushException;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Micrometer-instrumented function publishing through a real {@code mayfly standalone} (embedded broker, streams
 * app, exporter in their own process): after several invocations, each ending with {@code flush()}, the exporter's
 * {@code /metrics} serves exactly what Micrometer's own Prometheus registry, recording the same meters in the same
 * process, exposes: the same sample names and labels (plus {@code job}) and the same values, buckets included.
 */
class MicrometerFunctionIT {
    private static final int HTTP_PORT = 23110;
    private static final int KAFKA_PORT = 23111;
    private static final String BASE = "http://127.0.0.1:" + HTTP_PORT;
    private static volatile String lastBody;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;
    private String logName;

    @Test
    void countsBucketsAndNamesOnMetricsAreExactlyWhatMicrometersPrometheusRegistryExposes() throws Exception {
        Process mayfly = standalone();
        try {
            awaitReady(mayfly);
            MayflyRegistryConfig config = MayflyRegistryConfig.builder().job("checkout-micrometer")
                    .producer("bootstrap.servers", "localhost:" + KAFKA_PORT).producer("flush.timeout", "20s").build();
            PrometheusMeterRegistry reference = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MayflyMeterRegistry registry = new MayflyMeterRegistry(config);
            CompositeMeterRegistry both = new CompositeMeterRegistry().add(registry).add(reference);
            CheckoutFunction function = new CheckoutFunction(registry, both);

            function.handle("fr", "card", Duration.ofMillis(125), 1, 3);
            function.handle("fr", "card", Duration.ofMillis(500), 2, 8);
            function.handle("de", "card", Duration.ofMillis(1500), 7, 5);
            function.handle("fr", "paypal", Duration.ofMillis(250), 5, 2);
            function.handle("fr", "card", Duration.ofMillis(100), 1, 4);
            registry.close();

            Map<String, Double> expected = new TreeMap<>();
            samples(reference.scrape()).forEach((series, value) -> {
                if (!series.contains("_max{") && !series.endsWith("_max")) { // a per-process maximum is not published
                    expected.put(withJob(series), value);
                }
            });
            assertThat(expected).as("what the reference exposes").containsEntry(
                    "orders_placed_total{country=\"fr\",job=\"checkout-micrometer\",payment_method=\"card\"}", 3.0);
            assertThat(expected).containsEntry("checkout_latency_seconds_bucket{job=\"checkout-micrometer\",le=\"0.5\"}", 4.0);
            assertThat(expected).containsEntry("checkout_latency_seconds_sum{job=\"checkout-micrometer\"}", 2.475);
            assertThat(expected).containsEntry("cart_size_items_bucket{job=\"checkout-micrometer\",le=\"1.0\"}", 2.0);
            assertThat(expected).containsEntry("fulfilment_queue_depth{job=\"checkout-micrometer\"}", 4.0);
            assertThat(expected).as("3 counters, 4 + 2 timer and 3 + 2 summary samples, a gauge").hasSize(3 + (4 + 2) + (3 + 2) + 1);

            Map<String, Double> served = awaitServed(expected);
            Map<String, Double> ours = new TreeMap<>();
            served.forEach((series, value) -> {
                if (series.contains("job=\"checkout-micrometer\"") && !series.startsWith("mayfly_")) { // Mayfly's own series of the job aside
                    ours.put(series, value);
                }
            });
            assertThat(ours).as("/metrics:\n%s\nstandalone log:\n%s", lastBody, log()).isEqualTo(expected);
        } finally {
            stop(mayfly);
        }
    }

    @Test
    void anInvocationWhoseFlushFailedWhileMayflyWasDownIsCountedOnceByTheNextFlush() throws Exception {
        Process first = standalone("standalone-1.log");
        Process second = null;
        try {
            awaitReady(first);
            MayflyRegistryConfig config = MayflyRegistryConfig.builder().job("checkout-outage")
                    .producer("bootstrap.servers", "localhost:" + KAFKA_PORT).producer("flush.timeout", "15s").build(); // room for a loaded machine; the outage flush waits this long
            PrometheusMeterRegistry reference = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MayflyMeterRegistry registry = new MayflyMeterRegistry(config);
            CheckoutFunction function = new CheckoutFunction(registry, new CompositeMeterRegistry().add(registry).add(reference));
            function.handle("fr", "card", Duration.ofMillis(125), 1, 3);
            function.handle("fr", "card", Duration.ofMillis(250), 2, 3);

            stop(first);
            assertThatThrownBy(() -> function.handle("fr", "card", Duration.ofMillis(500), 3, 6))
                    .as("Mayfly is down: the flush is not acknowledged").isInstanceOf(FlushException.class);

            second = standalone("standalone-2.log");
            awaitReady(second);
            function.handle("de", "card", Duration.ofMillis(1500), 4, 1);
            flushUntilAcknowledged(registry);
            registry.close();

            Map<String, Double> expected = new TreeMap<>();
            samples(reference.scrape()).forEach((series, value) -> {
                if (!series.contains("_max{") && !series.endsWith("_max")) {
                    expected.put(withJob(series, "checkout-outage"), value);
                }
            });
            assertThat(expected).containsEntry("orders_placed_total{country=\"fr\",job=\"checkout-outage\",payment_method=\"card\"}", 3.0);
            assertThat(expected).containsEntry("checkout_latency_seconds_count{job=\"checkout-outage\"}", 4.0);
            Map<String, Double> ours = new TreeMap<>();
            awaitServed(expected).forEach((series, value) -> {
                if (series.contains("job=\"checkout-outage\"") && !series.startsWith("mayfly_")) { // Mayfly's own series of the job aside
                    ours.put(series, value);
                }
            });
            assertThat(ours).as("every invocation counted once\n/metrics:\n%s\nstandalone log:\n%s", lastBody, log()).isEqualTo(expected);
        } finally {
            stop(first);
            if (second != null) {
                stop(second);
            }
        }
    }

    /** Flushes again (each retry resends the kept batches with their event ids) until Kafka acknowledges, at most 60 s. */
    private static void flushUntilAcknowledged(MayflyMeterRegistry registry) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                registry.flush();
                return;
            } catch (FlushException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static void stop(Process mayfly) throws InterruptedException {
        mayfly.destroy();
        if (!mayfly.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            mayfly.destroyForcibly().waitFor();
        }
    }

    private Process standalone() throws IOException {
        return standalone("standalone.log");
    }

    /** {@code mayfly standalone} on this test's data dir (kept across restarts), its output in {@code logName}. */
    private Process standalone(String logName) throws IOException {
        this.logName = logName;
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "dev.mayfly.launcher.Mayfly", "standalone",
                "--data-dir", dir.resolve("data").toString(), "--http-port", String.valueOf(HTTP_PORT),
                "--kafka-port", String.valueOf(KAFKA_PORT), "--bind", "127.0.0.1");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(logName).toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MAYFLY_"));
        return builder.start();
    }

    private void awaitReady(Process mayfly) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!mayfly.isAlive()) {
                throw new AssertionError("mayfly standalone exited with " + mayfly.exitValue() + ":\n" + log());
            }
            if (get("/-/ready") != null) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("mayfly standalone not ready within 180 s:\n" + log());
    }

    /** /metrics once it serves every expected series with its expected value, or the last scrape after 60 s. */
    private static Map<String, Double> awaitServed(Map<String, Double> expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Double> last = Map.of();
        while (System.nanoTime() < deadline) {
            String body = get("/metrics");
            if (body != null) {
                lastBody = body;
                last = samples(body);
                if (last.entrySet().containsAll(expected.entrySet())) {
                    return last;
                }
            }
            Thread.sleep(200);
        }
        return last;
    }

    private static String get(String path) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private String log() throws IOException {
        Path log = dir.resolve(logName);
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Text-format samples as {@code name{sorted labels}} -> value; {@code le} written as a double, as Prometheus reads it. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            int open = series.indexOf('{');
            String name = open < 0 ? series : series.substring(0, open);
            TreeSet<String> labels = new TreeSet<>();
            if (open >= 0) {
                for (String pair : series.substring(open + 1, series.lastIndexOf('}')).split(",(?=[a-zA-Z_][a-zA-Z0-9_]*=\")")) {
                    int eq = pair.indexOf('=');
                    String label = pair.substring(0, eq);
                    String value = pair.substring(eq + 2, pair.length() - 1);
                    if (label.equals("le") && !value.equals("+Inf")) {
                        value = Double.toString(Double.parseDouble(value));
                    }
                    labels.add(label + "=\"" + value + "\"");
                }
            }
            samples.put(labels.isEmpty() ? name : name + "{" + String.join(",", labels) + "}", Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    private static String withJob(String series) {
        return withJob(series, "checkout-micrometer");
    }

    private static String withJob(String series, String job) {
        int open = series.indexOf('{');
        String name = open < 0 ? series : series.substring(0, open);
        TreeSet<String> labels = new TreeSet<>();
        if (open >= 0) {
            labels.addAll(List.of(series.substring(open + 1, series.length() - 1).split(",(?=[a-zA-Z_][a-zA-Z0-9_]*=\")")));
        }
        labels.add("job=\"" + job + "\"");
        return name + "{" + String.join(",", labels) + "}";
    }
}
