package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Temporality;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;
import io.prometheus.client.exporter.PushGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.mayfly.gateway.Points.counter;
import static dev.mayfly.gateway.Points.cumulativeCounter;
import static dev.mayfly.gateway.Points.histogram;
import static dev.mayfly.gateway.Points.labels;
import static org.assertj.core.api.Assertions.assertThat;

/** io.prometheus:simpleclient_pushgateway 0.16.0 (push, pushAdd, delete) against the gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JavaSimpleclientIT {
    GatewayHarness h;
    PushGateway pg;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        h = new GatewayHarness(dir, Map.of());
        pg = new PushGateway("127.0.0.1:" + h.server.port());
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @Test
    void pushAndPushAddOfAFreshRegistryAreDeltas() throws Exception {
        for (int i = 0; i < 2; i++) {
            CollectorRegistry reg = new CollectorRegistry();
            Counter.build("jobs", "Jobs.").labelNames("kind").register(reg).labels("a/b").inc(3);
            Histogram.build("work_seconds", "Work.").buckets(1, 2).register(reg).observe(1.5);
            if (i == 0) {
                pg.push(reg, "javafn", Map.of("path", "/x y"));
            } else {
                pg.pushAdd(reg, "javafn", Map.of("path", "/x y"));
            }
        }
        for (MetricEventBatch b : h.read(2)) {
            assertThat(b.getSource().getJob()).isEqualTo("javafn");
            assertThat(b.getGroupingLabels()).isEqualTo(Map.of("path", "/x y"));
            assertThat(b.getPoints()).containsExactlyInAnyOrder( // the registry's order is not the registration order
                    counter("jobs_total", "Jobs.", labels("kind", "a/b"), 3),
                    histogram("work_seconds", "Work.", labels(), List.of(1.0, 2.0), List.of(0L, 1L, 0L), 1.5, 1,
                            Temporality.DELTA, null, null));
        }
    }

    @Test
    void cumulativePushesCarryStreamAndCreatedTime() throws Exception {
        CollectorRegistry reg = new CollectorRegistry();
        Counter c = Counter.build("warm_jobs", "Jobs.").register(reg);
        Map<String, String> key = Map.of("mayfly_temporality", "cumulative", "instance", "jvm-1");
        c.inc();
        pg.pushAdd(reg, "javafn", key);
        c.inc();
        pg.pushAdd(reg, "javafn", key);
        double createdSeconds = reg.getSampleValue("warm_jobs_created");
        Instant start = Instant.ofEpochMilli(Math.round(createdSeconds * 1000.0));
        List<MetricEventBatch> batches = h.read(2);
        for (int i = 0; i < 2; i++) {
            assertThat(batches.get(i).getPoints()).containsExactly(
                    cumulativeCounter("warm_jobs_total", "Jobs.", labels(), i + 1, "javafn{instance=\"jvm-1\"}", start));
        }
    }

    @Test
    void deleteWritesADeleteGroupBatch() throws Exception {
        pg.delete("javafn", Map.of("path", "/x y"));
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getOperation()).isEqualTo(Operation.DELETE_GROUP);
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("path", "/x y"));
    }
}
