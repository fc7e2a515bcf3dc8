package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Temporality;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.mayfly.gateway.Points.counter;
import static dev.mayfly.gateway.Points.cumulativeCounter;
import static dev.mayfly.gateway.Points.gauge;
import static dev.mayfly.gateway.Points.histogram;
import static dev.mayfly.gateway.Points.labels;
import static org.assertj.core.api.Assertions.assertThat;

/** Debian's python3-prometheus-client (push_to_gateway, pushadd_to_gateway, delete_from_gateway) against the gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonClientIT {
    private static final String SCRIPT = """
            import math, sys
            from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
            from prometheus_client import push_to_gateway, pushadd_to_gateway, delete_from_gateway
            gw, mode = sys.argv[1], sys.argv[2]

            def invocation(registry=None):
                reg = registry or CollectorRegistry()
                if registry is None or not hasattr(invocation, 'metrics'):
                    c = Counter('invocations', 'Invocations.', ['fn'], registry=reg)
                    h = Histogram('duration_seconds', 'Duration.', buckets=(0.1, 1.0), registry=reg)
                    g = Gauge('memory_bytes', 'Memory.', registry=reg)
                    invocation.metrics = (c, h, g)
                c, h, g = invocation.metrics
                c.labels(fn='resize').inc(2)
                h.observe(0.05)
                h.observe(0.5)
                g.set(1024)
                return reg

            def created(reg, name, labels=None):
                return math.floor(reg.get_sample_value(name, labels or {}) * 1000 + 0.5)

            if mode == 'delta':
                push_to_gateway(gw, job='pyfn', registry=invocation(), grouping_key={'region': 'eu'})
                pushadd_to_gateway(gw, job='pyfn', registry=invocation(), grouping_key={'region': 'eu'})
            elif mode == 'cumulative':
                reg = CollectorRegistry()
                key = {'mayfly_temporality': 'cumulative', 'instance': 'container-1'}
                invocation(reg)
                pushadd_to_gateway(gw, job='pyfn', registry=reg, grouping_key=key)
                invocation(reg)
                pushadd_to_gateway(gw, job='pyfn', registry=reg, grouping_key=key)
                print(created(reg, 'invocations_created', {'fn': 'resize'}), created(reg, 'duration_seconds_created'))
            elif mode == 'delete':
                delete_from_gateway(gw, job='pyfn', grouping_key={'region': 'eu'})
            """;

    GatewayHarness h;
    Path script;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        ExternalTools.require(ExternalTools.works(ExternalTools.PYTHON, "-c", "import prometheus_client"),
                ExternalTools.PYTHON + " with prometheus_client (Debian python3-prometheus-client)");
        script = dir.resolve("push.py");
        Files.writeString(script, SCRIPT);
        h = new GatewayHarness(dir.resolve("kafka"), Map.of());
    }

    @AfterAll
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private String python(String mode) throws Exception {
        ExternalTools.Result r = ExternalTools.run(null, 60, ExternalTools.PYTHON, script.toString(), h.url(""), mode);
        assertThat(r.exitCode()).as(r.output()).isEqualTo(0);
        return r.output().trim();
    }

    @Test
    void deltaPushesFromAFreshRegistryPerInvocation() throws Exception {
        python("delta");
        List<MetricEventBatch> batches = h.read(2);
        for (MetricEventBatch b : batches) {
            assertThat(b.getSource().getJob()).isEqualTo("pyfn");
            assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
            assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
            // the _created gauges client_python writes are dropped; counts are this invocation's
            assertThat(b.getPoints()).containsExactly(
                    counter("invocations_total", "Invocations.", labels("fn", "resize"), 2),
                    histogram("duration_seconds", "Duration.", labels(), List.of(0.1, 1.0), List.of(1L, 1L, 0L), 0.55, 2,
                            Temporality.DELTA, null, null),
                    gauge("memory_bytes", "Memory.", labels(), 1024));
        }
        assertThat(batches.get(0).getEventId()).isNotEqualTo(batches.get(1).getEventId());
    }

    @Test
    void cumulativePushesFromARegistryLivingAcrossWarmInvocations() throws Exception {
        String[] created = python("cumulative").split(" ");
        Instant counterStart = Instant.ofEpochMilli(Long.parseLong(created[0]));
        Instant histogramStart = Instant.ofEpochMilli(Long.parseLong(created[1]));
        List<MetricEventBatch> batches = h.read(2);
        String stream = "pyfn{instance=\"container-1\"}";
        for (int i = 0; i < 2; i++) {
            MetricEventBatch b = batches.get(i);
            long n = i + 1;
            assertThat(b.getSource().getInstance()).isEqualTo("container-1");
            assertThat(b.getGroupingLabels()).isEmpty();
            assertThat(b.getPoints()).containsExactly(
                    cumulativeCounter("invocations_total", "Invocations.", labels("fn", "resize"), 2 * n, stream, counterStart),
                    histogram("duration_seconds", "Duration.", labels(), List.of(0.1, 1.0), List.of(n, n, 0L), 0.55 * n, 2 * n,
                            Temporality.CUMULATIVE, stream, histogramStart),
                    gauge("memory_bytes", "Memory.", labels(), 1024));
        }
    }

    @Test
    void deleteFromGatewayWritesADeleteGroupBatch() throws Exception {
        python("delete");
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getOperation()).isEqualTo(Operation.DELETE_GROUP);
        assertThat(b.getSource().getJob()).isEqualTo("pyfn");
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
        assertThat(b.getPoints()).isEmpty();
    }
}
