package dev.mayfly.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard ({@code deploy/grafana/dashboards/mayfly.json}) against the real thing: a Prometheus scraping a
 * standalone under a small load with good and bad pushes; every panel's query must succeed and return data.
 */
class DashboardIT {
    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "dashboards", "mayfly.json");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void everyPanelsQueryReturnsDataFromARealPrometheusScrapingAStandalone() throws Exception {
        Requirements.require(PrometheusServer.isInstalled(), "prometheus (Debian package)");
        Map<String, String> queries = panelQueries(new ObjectMapper().readTree(DASHBOARD.toFile()));
        assertThat(queries).as("the dashboard's queries").hasSizeGreaterThan(15);

        int httpPort = Ports.free();
        String base = "http://127.0.0.1:" + httpPort;
        MayflyProcess mayfly = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1",
                "--partitions", "1", "--set", "self.metrics.interval=1s", "--set", "series.limit.per.metric.per.task=5",
                "--set", "series.ttl=10s", "--set", "expiry.scan.interval=1s").start();
        try (PrometheusServer prometheus = awaitReadyThenScrape(mayfly, "127.0.0.1:" + httpPort)) {
            // a small steady load, plus each kind of trouble the dashboard shows
            assertThat(push(base, "search", "# TYPE <b>hits_total counter\n")).as("malformed").isEqualTo(400);
            StringBuilder wide = new StringBuilder("# TYPE wide_total counter\n");
            for (int i = 0; i < 8; i++) {
                wide.append("wide_total{n=\"").append(i).append("\"} 1\n");
            }
            assertThat(push(base, "search", wide.toString())).as("past the cardinality limit, known only to the engine").isEqualTo(200);
            assertThat(push(base, "search", "# TYPE wide gauge\nwide{n=\"0\"} 1\n")).as("a type conflict, refused at push time").isEqualTo(400);
            assertThat(status(base + "/metrics/job/x", "DELETE")).isEqualTo(202);
            for (int i = 0; i < 2; i++) {
                assertThat(push(base, "retry", "# TYPE tries_total counter\ntries_total 1\n", "same-key"))
                        .as("a retried push: a duplicate for the engine").isEqualTo(200);
            }
            // the series pushed once above expire (series.ttl 10s) while the load below moves stream time on
            long end = System.nanoTime() + Duration.ofSeconds(25).toNanos();
            for (int i = 0; System.nanoTime() < end; i++) {
                assertThat(push(base, "checkout/instance/" + (i % 3), "# TYPE orders_total counter\norders_total{country=\"fr\"} 1\n"
                        + "# TYPE queue_depth gauge\nqueue_depth " + i + "\n")).isEqualTo(200);
                Thread.sleep(200);
            }
            Map<String, String> empty = new LinkedHashMap<>();
            for (Map.Entry<String, String> q : queries.entrySet()) {
                if (prometheus.query(q.getValue()).isEmpty()) { // a failed query throws, naming it
                    empty.put(q.getKey(), q.getValue());
                }
            }
            assertThat(empty).as("panels whose query returned nothing").isEmpty();
        } finally {
            mayfly.close();
        }
    }

    private PrometheusServer awaitReadyThenScrape(MayflyProcess mayfly, String target) throws Exception {
        mayfly.awaitOutput("Mayfly is ready", Duration.ofSeconds(120));
        return PrometheusServer.scraping(target, Files.createDirectories(dir.resolve("prometheus")));
    }

    /** Panel title (and target ref) to PromQL, for every panel with targets, rows included. */
    private static Map<String, String> panelQueries(JsonNode dashboard) {
        Map<String, String> out = new LinkedHashMap<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(p -> {
            panels.add(p);
            p.path("panels").forEach(panels::add);
        });
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                out.put(p.path("title").asText() + " / " + t.path("refId").asText(), t.path("expr").asText());
            }
        }
        return out;
    }

    private static int push(String base, String group, String body) throws Exception {
        return push(base, group, body, null);
    }

    private static int push(String base, String group, String body, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/metrics/job/" + group))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int status(String url, String method) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
