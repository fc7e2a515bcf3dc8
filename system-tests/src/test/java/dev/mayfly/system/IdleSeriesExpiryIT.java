package dev.mayfly.system;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idle series expire on a standalone (four partitions) while other pushes keep coming, whichever partitions their
 * series landed on: a job pushes 40 series once, another keeps pushing one series, and every series of the first job
 * (and its last-push time) is gone once its TTL has passed. The engine expires by stream time, which only records
 * move; series updates are partitioned by series key, so the partitions the busy job's few series do not reach hear
 * of the time from the ingest step's empty packs. Then nothing is pushed at all, and the busy job's series expire too:
 * the gateway writes a tick to the events topic about every second while no push arrives; and after a kill and a
 * restart, with nothing pushed, the ticks alone expire a job pushed just before the kill.
 */
class IdleSeriesExpiryIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int IDLE_SERIES = 40;

    @TempDir
    Path dir;

    @Test
    void idleSeriesExpireOnEveryPartitionWhileOtherPushesKeepComing() throws Exception {
        int httpPort = Ports.free();
        String base = "http://localhost:" + httpPort;
        String[] args = {"standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1",
                "--set", "series.ttl=6s", "--set", "last.push.ttl=6s", "--set", "expiry.scan.interval=1s"};
        try (MayflyProcess standalone = new MayflyProcess("standalone", dir, args).start()) {
            MetricsText.awaitStatus(base + "/-/ready", 200, Duration.ofSeconds(150));
            StringBuilder body = new StringBuilder("# TYPE idle_total counter\n");
            for (int i = 0; i < IDLE_SERIES; i++) {
                body.append("idle_total{i=\"").append(i).append("\"} 1\n");
            }
            assertThat(push(base + "/metrics/job/idle", body.toString())).isEqualTo(200);
            long visibleBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (idleSeries(base).keySet().stream().filter(s -> s.startsWith("idle_total{")).count() < IDLE_SERIES) {
                assertThat(System.nanoTime()).as("the idle job's %d series visible", IDLE_SERIES).isLessThan(visibleBy);
                Thread.sleep(100);
            }

            int busyPushes = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Map<String, Double> idleLeft = idleSeries(base);
            while (!idleLeft.isEmpty() && System.nanoTime() < deadline) {
                assertThat(push(base + "/metrics/job/busy", "# TYPE busy_total counter\nbusy_total 1\n")).isEqualTo(200);
                busyPushes++;
                Thread.sleep(250);
                idleLeft = idleSeries(base);
            }
            assertThat(idleLeft).as("series of the idle job still served 60 s after its last push (TTL 6 s)").isEmpty();
            MetricsText.awaitValue(base + "/metrics", null, "busy_total{", busyPushes); // kept, every push counted

            // then nothing is pushed at all: the gateway's ticks move the engine's clock, so the busy job expires too
            assertThat(servedOf(base, "busy", Duration.ofSeconds(60))).as("series still served 60 s after the last push of all (TTL 6 s)").isEmpty();

            // pushed (and served) just before a kill: the committed aggregates would serve them after the restart for
            // good; with nothing pushed, the ticks alone expire them
            assertThat(push(base + "/metrics/job/restart", body.toString().replace("idle_total", "restart_total"))).isEqualTo(200);
            long shownBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (servedOf(base, "restart").keySet().stream().filter(k -> k.startsWith("restart_total{")).count() < IDLE_SERIES) {
                assertThat(System.nanoTime()).as("the restart job's %d series visible", IDLE_SERIES).isLessThan(shownBy);
                Thread.sleep(50);
            }
            standalone.kill();
        }
        try (MayflyProcess restarted = new MayflyProcess("restarted", dir, args).start()) {
            MetricsText.awaitStatus(base + "/-/ready", 200, Duration.ofSeconds(150));
            assertThat(servedOf(base, "restart", Duration.ofSeconds(60))).as("series still served 60 s after a restart with nothing pushed (TTL 6 s)").isEmpty();
        }
    }

    /** The series of {@code job} still served once none is, or once {@code within} has passed. */
    private static Map<String, Double> servedOf(String base, String job, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Map<String, Double> left = servedOf(base, job);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(250);
            left = servedOf(base, job);
        }
        return left;
    }

    /** The idle job's series still served: its data and its last-push times. */
    private static Map<String, Double> idleSeries(String base) throws InterruptedException {
        return servedOf(base, "idle");
    }

    /** The series of job {@code job} still served: its data ({@code <job>_total}) and its last-push times. */
    private static Map<String, Double> servedOf(String base, String job) throws InterruptedException {
        Map<String, Double> left = new TreeMap<>();
        MetricsText.scrape(base + "/metrics").forEach((series, value) -> {
            if (series.startsWith(job + "_total{") || series.contains("job=\"" + job + "\"")) {
                left.put(series, value);
            }
        });
        return left;
    }

    private static int push(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
