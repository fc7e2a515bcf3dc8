package dev.mayfly.system;

import at.favre.lib.crypto.bcrypt.BCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page of a standalone, as an operator sees it: rendered by a real headless Chromium after known good and
 * bad pushes; what it shows is checked against the truth (the pushes, and the counters on /metrics). The page is
 * behind the scrape authentication, and a secret setting is masked.
 */
class StatusPageIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final String AUTH = "Basic " + Base64.getEncoder().encodeToString("viewer:s3cret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void aRealBrowserShowsTheJobsTheirLastPushTheRejectionsAndTheSettingsWithSecretsMasked() throws Exception {
        Requirements.require(CHROMIUM.canExecute(), "chromium (Debian package)");
        Path users = Files.writeString(dir.resolve("scrapers"), "viewer:" + BCrypt.withDefaults().hashToString(4, "s3cret".toCharArray()) + "\n");
        int httpPort = Ports.free();
        String base = "http://127.0.0.1:" + httpPort;
        MayflyProcess mayfly = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1",
                "--set", "self.metrics.interval=1s", "--set", "scrape.auth.basic.file=" + users,
                "--set", "kafka.ssl.key.password=hunter2").start();
        try {
            mayfly.awaitOutput("Mayfly is ready", Duration.ofSeconds(120));
            long before = System.currentTimeMillis();
            assertThat(push(base, "checkout/instance/a", "# TYPE orders_total counter\norders_total{country=\"fr\"} 3\n")).isEqualTo(200);
            assertThat(push(base, "checkout/instance/b", "# TYPE orders_total counter\norders_total{country=\"de\"} 2\n")).isEqualTo(200);
            HttpResponse<String> malformed = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics/job/search"))
                    .POST(HttpRequest.BodyPublishers.ofString("# TYPE <b>hits_total counter\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(malformed.statusCode()).as("a malformed push").isEqualTo(400);
            String refusedMessage = malformed.body().trim();
            // a counter pushed past the largest double: only the engine, which holds the sum, can tell (a dead letter);
            // the pushes go one after the other so that neither the gateway nor the engine holds them in one batch
            MetricsText.awaitSamples(base + "/metrics", AUTH, "orders_total{country=\"fr\"");
            assertThat(push(base, "checkout/instance/a", "# TYPE orders_total counter\norders_total{country=\"fr\"} 1e308\n")).isEqualTo(200);
            MetricsText.awaitValue(base + "/metrics", AUTH, "orders_total{country=\"fr\"", 1e308);
            assertThat(push(base, "checkout/instance/a", "# TYPE orders_total counter\norders_total{country=\"fr\"} 1e308\n"))
                    .as("only the engine knows the sum").isEqualTo(200);
            long after = System.currentTimeMillis();

            Map<String, Double> truth = MetricsText.awaitSamples(base + "/metrics", AUTH, "mayfly_pipeline_rejects_total{job=\"checkout\",reason=\"sum_overflow\"",
                    "orders_total{country=\"de\"", "mayfly_job_last_push_timestamp_seconds{job=\"checkout\"}");
            double lastPush = truth.get("mayfly_job_last_push_timestamp_seconds{job=\"checkout\"}");
            assertThat(lastPush * 1000).as("the newest push's time").isBetween(before - 1000.0, after + 1000.0);
            String pushReason = truth.keySet().stream()
                    .filter(k -> k.startsWith("mayfly_gateway_rejected_pushes_total{") && truth.get(k) == 1.0)
                    .map(k -> k.replaceAll(".*reason=\"([^\"]+)\".*", "$1")).findFirst().orElseThrow();

            assertThat(status(base + "/", null)).as("the page is behind the scrape authentication").isEqualTo(401);
            assertThat(status(base + "/", AUTH)).isEqualTo(200);
            assertThat(status(base + "/nothing-here", AUTH)).isEqualTo(404);

            String page = chromium("--dump-dom", "http://viewer:s3cret@127.0.0.1:" + httpPort + "/");
            assertThat(text(page, "h1")).isEqualTo("Mayfly ready");
            List<List<String>> jobs = table(page, "jobs");
            assertThat(jobs).as("one job: checkout; search's only push was refused").hasSize(1);
            assertThat(jobs.get(0).get(0)).isEqualTo("checkout");
            assertThat(jobs.get(0).get(1)).startsWith(java.time.Instant.ofEpochMilli(Math.round(lastPush * 1000))
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).contains("s ago");
            assertThat(jobs.get(0).get(2)).as("its series: orders_total of instances a and b").isEqualTo("2");
            assertThat(table(page, "metrics")).contains(List.of("orders_total", "counter", "2"),
                    List.of("mayfly_group_last_push_timestamp_seconds", "gauge", "2"));
            assertThat(table(page, "push-rejections")).containsExactly(List.of(pushReason, "1"));
            List<List<String>> refused = table(page, "recent-push-rejections");
            assertThat(refused).hasSize(1);
            assertThat(refused.get(0).subList(1, 4)).containsExactly("/metrics/job/search", pushReason, "400");
            assertThat(refused.get(0).get(4)).as("what the client was told").isEqualTo(refusedMessage);
            assertThat(table(page, "dead-letters")).containsExactly(List.of("sum_overflow", "1"));
            assertThat(table(page, "dead-letters-by-job")).containsExactly(List.of("checkout", "sum_overflow", "1"));
            List<List<String>> recent = table(page, "recent-dead-letters");
            assertThat(recent).hasSize(1);
            assertThat(recent.get(0).subList(1, 3)).containsExactly("checkout", "sum_overflow");
            assertThat(recent.get(0).get(3)).contains("would make the value of", "overflow");
            List<List<String>> settings = table(page, "settings");
            assertThat(settings).contains(List.of("kafka.ssl.key.password", "(secret)"), List.of("series.ttl", "1h"),
                    List.of("scrape.auth.basic.file", users.toString()));
            assertThat(page).doesNotContain("hunter2");
            assertThat(table(page, "pipeline")).contains(List.of("service streams", "ready"), List.of("service gateway", "ready"));

            chromium("--window-size=1100,1700", "--screenshot=" + Path.of("target", "status-page.png").toAbsolutePath(),
                    "http://viewer:s3cret@127.0.0.1:" + httpPort + "/");
        } finally {
            mayfly.close();
        }
    }

    private static int push(String base, String group, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics/job/" + group))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static int status(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Runs headless Chromium (the flags this machine's closed network needs) and returns what it printed on stdout. */
    private String chromium(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.getPath(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createTempDirectory(dir, "chromium")));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("chromium.log").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(p.exitValue()).as("chromium's exit; its log: " + Files.readString(dir.resolve("chromium.log"))).isZero();
        return out;
    }

    /** The text of the first element {@code tag}. */
    private static String text(String html, String tag) {
        Matcher m = Pattern.compile("<" + tag + "[^>]*>(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("a <" + tag + "> in:\n" + html).isTrue();
        return cell(m.group(1));
    }

    /** The rows of the table with id {@code id} (header rows left out), each as its cells' text. */
    private static List<List<String>> table(String html, String id) {
        Matcher t = Pattern.compile("<table id=\"" + id + "\">(.*?)</table>", Pattern.DOTALL).matcher(html);
        assertThat(t.find()).as("a table '" + id + "' in:\n" + html).isTrue();
        List<List<String>> rows = new ArrayList<>();
        Matcher row = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(t.group(1));
        while (row.find()) {
            if (row.group(1).startsWith("<th>") && row.group(1).contains("</th><th>")) {
                continue; // a header row
            }
            List<String> cells = new ArrayList<>();
            Matcher c = Pattern.compile("<t[hd][^>]*>(.*?)</t[hd]>", Pattern.DOTALL).matcher(row.group(1));
            while (c.find()) {
                cells.add(cell(c.group(1)));
            }
            rows.add(cells);
        }
        return rows;
    }

    private static String cell(String inner) {
        return inner.replaceAll("<[^>]+>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&").trim();
    }
}
