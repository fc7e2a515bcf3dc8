package dev.mayfly.system;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mayfly standalone} killed with -9 (while its last acknowledged pushes are most likely still in an open
 * transaction) and restarted on the same data: the first scrape it answers holds every series it served before, none
 * lower; a push after the restart becomes visible with the exact sum of every acknowledged increment. The time from
 * the restart to that push being visible is printed (figures in docs/benchmarks.md); the bound is generous on purpose.
 */
class StandaloneRecoveryIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(120);
    /**
     * Families of the process itself (they restart with it) and the engine lag the exporter measures live (a gauge that
     * falls as the engine catches up); everything else on /metrics comes from the aggregates topic.
     */
    private static final List<String> PROCESS_LOCAL = List.of("jvm_", "process_", "mayfly_gateway_", "mayfly_http_", "mayfly_exporter_",
            "mayfly_engine_lag_");

    @TempDir
    Path dir;

    @Test
    void afterKillMinus9TheFirstScrapeHasEverySeriesAndANewPushIsVisible() throws Exception {
        int httpPort = Ports.free();
        int kafkaPort = Ports.free();
        String base = "http://localhost:" + httpPort;
        Map<String, Long> truth = new TreeMap<>();

        MayflyProcess first = standalone("standalone-1", httpPort, kafkaPort).start();
        MayflyProcess second = null;
        try {
            first.awaitOutput("Mayfly is ready", Duration.ofSeconds(120));
            awaitPushAccepted(base, "recovery", "warm-up", "recovery_warmup_total", 1, truth);
            // a few jobs and series, each acknowledged, then visible
            for (int round = 0; round < 3; round++) {
                for (int job = 0; job < 4; job++) {
                    awaitPushAccepted(base, "job" + job, "r" + round + "-j" + job, "recovery_orders_total", job + 1, truth);
                }
            }
            awaitTruth(base, truth, Duration.ofSeconds(60));
            // a burst acknowledged right before the kill: most likely still in the streams app's open transaction
            List<CompletableFuture<Void>> burst = new ArrayList<>();
            for (int job = 0; job < 4; job++) {
                String j = "job" + job;
                burst.add(CompletableFuture.runAsync(() -> pushOnce(base, j, "burst-" + j, "recovery_orders_total", 10, truth)));
            }
            Map<String, Double> before = awaitFirstScrape(base, Duration.ofSeconds(30));
            CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).join();
            first.kill();

            long restarted = System.nanoTime();
            second = standalone("standalone-2", httpPort, kafkaPort).start();
            Map<String, Double> firstScrape = awaitFirstScrape(base, VISIBLE_WITHIN);
            double firstScrapeSeconds = (System.nanoTime() - restarted) / 1e9;
            assertThat(before).as("series served before the kill").isNotEmpty();
            before.forEach((series, value) -> assertThat(firstScrape.get(series))
                    .as("%s in the first scrape after the restart (was %s before the kill)", series, value)
                    .isNotNull().isGreaterThanOrEqualTo(value));

            long pushedFrom = System.currentTimeMillis();
            awaitPushAccepted(base, "job0", "after-restart", "recovery_orders_total", 1000, truth);
            long pushedBy = System.currentTimeMillis();
            double ackedSeconds = (System.nanoTime() - restarted) / 1e9;
            awaitTruth(base, truth, VISIBLE_WITHIN);
            String lastPush = "mayfly_job_last_push_timestamp_seconds{job=\"job0\"}";
            // another series, maybe of another task: it becomes visible on its own, within the same wait as the others
            double lastPushMillis = Double.NaN;
            for (long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos(); System.nanoTime() < deadline; Thread.sleep(250)) {
                Map<String, Double> scraped = MetricsText.scrape(base + "/metrics");
                lastPushMillis = scraped == null || !scraped.containsKey(lastPush) ? Double.NaN : scraped.get(lastPush) * 1000;
                if (lastPushMillis >= pushedFrom - 1000.0) {
                    break;
                }
            }
            assertThat(lastPushMillis).as("job0's last push is the push after the restart").isBetween(pushedFrom - 1000.0, pushedBy + 1000.0);
            double visibleSeconds = (System.nanoTime() - restarted) / 1e9;
            System.out.printf("restart after kill -9: first scrape %.1f s, push acknowledged %.1f s, push visible %.1f s (load %s)%n",
                    firstScrapeSeconds, ackedSeconds, visibleSeconds, loadAverage());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- end of standalone-2's log ---\n" + tail(second), e);
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
        }
    }

    /** The last lines of a process's output, to tell why it did not recover. */
    private static String tail(MayflyProcess process) {
        try {
            String output = process == null ? "" : process.output();
            return output.substring(Math.max(0, output.length() - 20_000));
        } catch (java.io.IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private MayflyProcess standalone(String name, int httpPort, int kafkaPort) {
        return new MayflyProcess(name, dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(kafkaPort), "--bind", "127.0.0.1");
    }

    /** Pushes {@code increment} to {@code name} of {@code job} until acknowledged (one Idempotency-Key: retries count once). */
    private static void awaitPushAccepted(String base, String job, String key, String name, long increment, Map<String, Long> truth)
            throws InterruptedException {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (send(base, job, key, name, increment)) {
                record(truth, name, job, increment);
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("push " + key + " not acknowledged within " + VISIBLE_WITHIN);
    }

    private static void pushOnce(String base, String job, String key, String name, long increment, Map<String, Long> truth) {
        try {
            assertThat(send(base, job, key, name, increment)).as("burst push %s acknowledged", key).isTrue();
            record(truth, name, job, increment);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void record(Map<String, Long> truth, String name, String job, long increment) {
        synchronized (truth) {
            truth.merge(name + "{job=\"" + job + "\"}", increment, Long::sum);
        }
    }

    private static boolean send(String base, String job, String key, String name, long increment) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics/job/" + job))
                    .timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "text/plain; version=0.0.4")
                    .header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString("# TYPE " + name + " counter\n" + name + " " + increment + "\n"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() / 100 == 2;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static Map<String, Double> awaitFirstScrape(String base, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Double> scraped = MetricsText.scrape(base + "/metrics");
            if (scraped != null) {
                return aggregates(scraped);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("/metrics did not answer 200 within " + timeout + " of the restart");
    }

    private static void awaitTruth(String base, Map<String, Long> truth, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Double> last = Map.of();
        Map<String, Double> expected = new TreeMap<>();
        synchronized (truth) {
            truth.forEach((series, sum) -> expected.put(series, sum.doubleValue()));
        }
        while (System.nanoTime() < deadline) {
            Map<String, Double> scraped = MetricsText.scrape(base + "/metrics");
            if (scraped != null) {
                last = scraped;
                if (expected.entrySet().stream().allMatch(e -> e.getValue().equals(scraped.get(e.getKey())))) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        Map<String, Double> served = new TreeMap<>();
        for (String series : expected.keySet()) {
            served.put(series, last.get(series));
        }
        throw new AssertionError("expected " + expected + " within " + timeout + ", last scrape had " + served);
    }

    private static Map<String, Double> aggregates(Map<String, Double> scraped) {
        Map<String, Double> out = new TreeMap<>();
        scraped.forEach((series, value) -> {
            if (PROCESS_LOCAL.stream().noneMatch(series::startsWith)) {
                out.put(series, value);
            }
        });
        return out;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
