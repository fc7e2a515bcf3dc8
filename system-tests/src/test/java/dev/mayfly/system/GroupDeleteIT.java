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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Pushgateway DELETE on a standalone (four events partitions) as a client sees it: a push answered before the
 * DELETE was sent is deleted, and a push sent after its 202 is kept, although pushes and deletes are keyed by event
 * id and so reach the engine through different partitions. Many groups at once, so that pushes and deletes of a group
 * meet every partition order.
 */
class GroupDeleteIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int GROUPS = 120;

    @TempDir
    Path dir;

    @Test
    void aDeleteRemovesExactlyThePushesAnsweredBeforeItAndKeepsThoseSentAfterIt() throws Exception {
        int httpPort = Ports.free();
        String base = "http://localhost:" + httpPort;
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try (MayflyProcess standalone = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1").start()) {
            MetricsText.awaitStatus(base + "/-/ready", 200, Duration.ofSeconds(150));
            List<CompletableFuture<Void>> rounds = new ArrayList<>();
            for (int i = 0; i < GROUPS; i++) {
                String group = base + "/metrics/job/race/instance/g" + i;
                rounds.add(CompletableFuture.runAsync(() -> {
                    assertThat(send("POST", group, "# TYPE race_total counter\nrace_total 100\n")).isEqualTo(200);
                    assertThat(send("DELETE", group, null)).isEqualTo(202);
                    assertThat(send("POST", group, "# TYPE race_total counter\nrace_total 1\n")).isEqualTo(200);
                }, clients));
            }
            for (CompletableFuture<Void> round : rounds) {
                round.get();
            }
            Map<String, Double> expected = new TreeMap<>();
            for (int i = 0; i < GROUPS; i++) {
                expected.put("race_total{instance=\"g" + i + "\",job=\"race\"}", 1.0);
            }
            Map<String, Double> seen = awaitRaceSeries(base, expected);
            assertThat(differences(seen, expected)).as("groups whose value is not their push after the DELETE alone "
                    + "(101: the push before it survived; 100 or absent: the push after it was deleted)").isEmpty();
            Thread.sleep(2_000); // nothing arrives late to change it
            assertThat(differences(raceSeries(base), expected)).isEmpty();
        } finally {
            clients.shutdownNow();
        }
    }

    /** Each series whose value differs from the expected one, with what was seen (null: absent). */
    private static Map<String, Double> differences(Map<String, Double> seen, Map<String, Double> expected) {
        Map<String, Double> differ = new TreeMap<>();
        expected.forEach((series, value) -> {
            if (!value.equals(seen.get(series))) {
                differ.put(series, seen.get(series));
            }
        });
        seen.forEach((series, value) -> {
            if (!expected.containsKey(series)) {
                differ.put(series, value);
            }
        });
        return differ;
    }

    private static Map<String, Double> awaitRaceSeries(String base, Map<String, Double> expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Double> seen = raceSeries(base);
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            seen = raceSeries(base);
        }
        return seen;
    }

    private static Map<String, Double> raceSeries(String base) throws InterruptedException {
        Map<String, Double> race = new TreeMap<>();
        Map<String, Double> all = MetricsText.scrape(base + "/metrics");
        if (all != null) {
            all.forEach((sample, value) -> {
                if (sample.startsWith("race_total{")) {
                    race.put(sample, value);
                }
            });
        }
        return race;
    }

    private static int send(String method, String url, String body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
