package dev.mayfly.system;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A standalone's answer to bad and unusual input, end to end: a NaN gauge is accepted and served as NaN, what the
 * gateway can judge gets a 400 naming the metric and rule (a served counter pushed as a gauge included), what only the
 * engine can judge (a counter pushed past the largest double) is counted under its job; and the /metrics it serves,
 * self-metrics included, has HELP for every family ({@code promtool check metrics}).
 */
class BadInputAndSelfMetricsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final File PROMTOOL = new File("/usr/bin/promtool");

    @TempDir
    Path dir;

    @Test
    void nanGaugesAreServedRejectionsAreCountedPerJobAndEveryFamilyHasHelp() throws Exception {
        if (System.getenv("CI") == null) {
            assumeTrue(PROMTOOL.canExecute(), "promtool is not installed");
        }
        int httpPort = Ports.free();
        String base = "http://localhost:" + httpPort;
        MayflyProcess mayfly = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1",
                "--set", "self.metrics.interval=1s").start();
        try {
            mayfly.awaitOutput("Mayfly is ready", Duration.ofSeconds(120));
            assertThat(push(base, "# HELP orders_total Orders.\n# TYPE orders_total counter\norders_total 1\n"
                    + "# HELP ratio Share of orders paid.\n# TYPE ratio gauge\nratio NaN\n").statusCode()).isEqualTo(200);
            HttpResponse<String> refused = push(base, "m{l=\"" + "v".repeat(2000) + "\"} 1\n");
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.body()).contains("metric 'm': label 'l' has a value of 2000 characters; at most 1024 (max.label.value.length)");
            // once the counter is served, the gateway knows its type: a gauge of that name (any job) would be left out
            MetricsText.awaitSamples(base + "/metrics", null, "orders_total{job=\"checkout\"}");
            HttpResponse<String> conflicting = push(base, "# TYPE orders gauge\norders{shop=\"b\"} 5\n");
            assertThat(conflicting.statusCode()).isEqualTo(400);
            assertThat(conflicting.body()).contains("metric orders is pushed as a gauge but orders is already served as a counter");
            // over OTLP the same gauge is left out of its request, and the request's other metric is taken
            String otlp = "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}}]},"
                    + "\"scopeMetrics\":[{\"metrics\":[{\"name\":\"orders\",\"gauge\":{\"dataPoints\":[{\"asDouble\":5}]}},"
                    + "{\"name\":\"queue\",\"description\":\"Jobs waiting.\",\"gauge\":{\"dataPoints\":[{\"asDouble\":7}]}}]}]}]}";
            HttpResponse<String> partial = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/metrics"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(otlp)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(partial.statusCode()).as(partial.body()).isEqualTo(200);
            assertThat(partial.body()).contains("\"rejectedDataPoints\":\"1\"")
                    .contains("metric orders is pushed as a gauge but orders is already served as a counter");
            MetricsText.awaitSamples(base + "/metrics", null, "queue{job=\"checkout\"}");
            // a sum past the largest double: only the engine, which holds the sum, can tell; the pushes go one after
            // the other so that neither the gateway nor the engine ever holds them in one batch
            assertThat(push(base, "# HELP huge_total Bytes moved.\n# TYPE huge_total counter\nhuge_total 1e308\n").statusCode()).isEqualTo(200);
            MetricsText.awaitSamples(base + "/metrics", null, "huge_total{job=\"checkout\"}");
            assertThat(push(base, "# HELP huge_total Bytes moved.\n# TYPE huge_total counter\nhuge_total 1e308\n").statusCode()).as("only the engine knows the sum").isEqualTo(200);

            // the series and the self-metrics are published independently (different tasks and punctuators): wait for
            // the rejection, the ingest step's counters and each series this test reads
            Map<String, Double> samples = MetricsText.awaitSamples(base + "/metrics", null, "mayfly_pipeline_rejects_total{job=\"checkout\",reason=\"sum_overflow\"",
                    "ratio{job=\"checkout\"}", "orders_total{job=\"checkout\"}", "mayfly_pipeline_events_total{");
            assertThat(samples.get("ratio{job=\"checkout\"}")).isNaN();
            assertThat(samples.get("orders_total{job=\"checkout\"}")).isEqualTo(1.0);
            assertThat(samples.get("huge_total{job=\"checkout\"}")).as("the counter keeps its value").isEqualTo(1e308);
            assertThat(samples).doesNotContainKey("orders{job=\"checkout\",shop=\"b\"}");
            assertThat(samples).doesNotContainKey("m{job=\"checkout\"}");

            String text = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).header("Accept", "text/plain; version=0.0.4").build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(text).contains("# HELP mayfly_pipeline_events_total ", "# HELP mayfly_pipeline_rejects_total ",
                    "# HELP mayfly_gateway_pushes_total ", "# HELP mayfly_exporter_series ",
                    "# HELP mayfly_http_refused_connections_total ", "# HELP mayfly_http_evicted_connections_total ");
            assertThat(samples.get("mayfly_http_refused_connections_total{reason=\"client_share\"}")).isZero();
            assertThat(samples.get("mayfly_http_open_connections")).as("this scrape's own connection at least").isGreaterThanOrEqualTo(1.0);
            String findings = promtool(text);
            assertThat(findings).as("promtool check metrics on:\n" + text).doesNotContain("no help text"); // the pushed families have HELP too
        } finally {
            mayfly.close();
        }
    }

    private static HttpResponse<String> push(String base, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics/job/checkout"))
                .header("Content-Type", "text/plain; version=0.0.4")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String promtool(String text) throws Exception {
        Process p = new ProcessBuilder(PROMTOOL.getPath(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isIn(0, 3); // 3: lint findings (checked above), 1 would be a parse error
        return output;
    }
}
