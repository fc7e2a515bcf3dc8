package dev.mayfly.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A real Prometheus server (Debian's /usr/bin/prometheus) on loopback, scraping its targets every second. */
final class PrometheusServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final Process process;

    private PrometheusServer(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    static PrometheusServer scraping(String target, Path dir) throws Exception {
        return scraping(List.of(target), dir);
    }

    /** Scrapes every target in one job; each target's series carry its {@code instance} label. */
    static PrometheusServer scraping(List<String> targets, Path dir) throws Exception {
        return scraping(targets, dir, Ports.free(), List.of());
    }

    /**
     * The same on a given port, with extra command-line flags, e.g. {@code --enable-feature=native-histograms}
     * (then Prometheus asks for the protobuf format first).
     */
    static PrometheusServer scraping(List<String> targets, Path dir, int port, List<String> flags) throws Exception {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: mayfly
                    honor_labels: true
                    static_configs:
                      - targets: [%s]
                """.formatted(targets.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "))));
        List<String> command = new java.util.ArrayList<>(List.of(BINARY.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"));
        command.addAll(flags);
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusServer server = new PrometheusServer(port, p);
        server.awaitReady();
        return server;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException ignored) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Prometheus not ready within 30 s");
    }

    /** Runs an instant PromQL query; returns each result series' labels rendered as a string -> value. */
    Map<String, Double> query(String promql) throws Exception {
        String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new AssertionError("query " + promql + " failed: " + r.body());
        }
        Map<String, Double> out = new HashMap<>();
        for (JsonNode result : body.path("data").path("result")) {
            out.put(result.path("metric").toString(), result.path("value").get(1).asDouble());
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
