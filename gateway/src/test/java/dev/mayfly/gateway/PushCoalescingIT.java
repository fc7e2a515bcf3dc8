package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent pushes into one group, against a real broker: they share events records (fewer records than pushes),
 * and the records hold exactly the points pushed, each once; pushes with an Idempotency-Key keep a record each.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushCoalescingIT {
    private static final int PUSHES = 400;
    GatewayHarness h;
    final ExecutorService pool = Executors.newFixedThreadPool(32);

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        h = new GatewayHarness(dir, Map.of());
    }

    @AfterAll
    void stop() {
        pool.shutdownNow();
        h.close();
    }

    @Test
    void concurrentPushesIntoOneGroupShareRecordsAndEveryPointIsWrittenOnce() throws Exception {
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < PUSHES; i++) {
            int n = i;
            answers.add(pool.submit(() -> h.pushText("POST", "/metrics/job/fleet/region/eu",
                    "# TYPE invocations_total counter\ninvocations_total " + (n + 1) + "\n# TYPE last_push gauge\nlast_push " + n + "\n")));
        }
        for (Future<HttpResponse<String>> a : answers) {
            assertThat(a.get().statusCode()).as(a.get().body()).isEqualTo(200);
        }
        List<MetricEventBatch> batches = h.readAll();
        double total = 0;
        int points = 0;
        for (MetricEventBatch b : batches) {
            assertThat(b.getSource().getJob()).isEqualTo("fleet");
            assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
            for (MetricPoint p : b.getPoints()) {
                points++;
                if (p.getName().equals("invocations_total")) {
                    total += p.getValue();
                }
            }
        }
        assertThat(points).as("every point of every push, once").isEqualTo(2 * PUSHES);
        assertThat(total).isEqualTo(PUSHES * (PUSHES + 1) / 2.0);
        assertThat(batches.size()).as("records for " + PUSHES + " concurrent pushes").isLessThan(PUSHES);
        assertThat(batches).extracting(MetricEventBatch::getEventId).doesNotHaveDuplicates();
    }

    @Test
    void pushesWithAnIdempotencyKeyKeepTheirOwnRecord() throws Exception {
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String key = "invocation-" + i;
            answers.add(pool.submit(() -> h.pushText("POST", "/metrics/job/keyed", "# TYPE invocations_total counter\ninvocations_total 1\n",
                    "Idempotency-Key", key)));
        }
        for (Future<HttpResponse<String>> a : answers) {
            assertThat(a.get().statusCode()).isEqualTo(200);
        }
        List<MetricEventBatch> batches = h.readAll();
        assertThat(batches).hasSize(50);
        assertThat(batches).extracting(MetricEventBatch::getEventId).allMatch(id -> id.startsWith("invocation-")).doesNotHaveDuplicates();
    }
}
