package dev.mayfly.system;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.exporter.PushGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.mayfly.system.Requirements.require;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real client libraries in four languages push to {@code mayfly standalone} in both push styles, and the sums that
 * {@code GET /metrics} serves are exact: Python prometheus_client (Debian), Node prom-client (npm), the Java
 * simpleclient_pushgateway, and the OpenTelemetry Java SDK's OTLP/HTTP exporter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealClientsIT {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private Path dir;
    private MayflyProcess standalone;
    private String base;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        int httpPort = Ports.free();
        base = "http://localhost:" + httpPort;
        standalone = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1",
                "--set", "publish.interval=100ms").start().awaitOutput("Mayfly is ready", Duration.ofSeconds(90));
    }

    @AfterAll
    void stop() throws Exception {
        if (standalone != null) {
            standalone.close();
        }
    }

    @Test
    void pythonClientBothPushStyles() throws Exception {
        runPython("push.py", """
                import sys, uuid
                from prometheus_client import CollectorRegistry, Counter, Histogram, push_to_gateway, pushadd_to_gateway
                gw = sys.argv[1]
                # delta: a fresh registry per invocation
                for i in range(3):
                    reg = CollectorRegistry()
                    Counter('py_delta_ops', 'Ops.', ['fn'], registry=reg).labels(fn='a').inc(2)
                    h = Histogram('py_delta_seconds', 'Time.', buckets=[0.25, 1], registry=reg)
                    h.observe(0.125); h.observe(0.5)
                    pushadd_to_gateway(gw, job='py', registry=reg)
                reg = CollectorRegistry()
                Counter('py_delta_ops', 'Ops.', ['fn'], registry=reg).labels(fn='a').inc(1)
                push_to_gateway(gw, job='py', registry=reg)  # PUT adds too
                # cumulative: one registry per container, running totals
                def container():
                    reg = CollectorRegistry()
                    return reg, Counter('py_cum_ops', 'Ops.', registry=reg), {'mayfly_temporality': 'cumulative', 'instance': str(uuid.uuid4())}
                reg_a, ops_a, key_a = container()
                for n in (1, 2, 3):
                    ops_a.inc(n); pushadd_to_gateway(gw, job='py', registry=reg_a, grouping_key=key_a)
                reg_b, ops_b, key_b = container()
                ops_b.inc(4); pushadd_to_gateway(gw, job='py', registry=reg_b, grouping_key=key_b)
                ops_b.inc(0); pushadd_to_gateway(gw, job='py', registry=reg_b, grouping_key=key_b)  # a repeated total adds nothing
                # container a restarts under the same instance: its total goes down, which is a reset
                reg_a2 = CollectorRegistry(); ops_a2 = Counter('py_cum_ops', 'Ops.', registry=reg_a2)
                ops_a2.inc(2); pushadd_to_gateway(gw, job='py', registry=reg_a2, grouping_key=key_a)
                """);
        awaitExactly(Map.of(
                "py_delta_ops_total{fn=\"a\",job=\"py\"}", 7.0,
                "py_delta_seconds_bucket{job=\"py\",le=\"0.25\"}", 3.0,
                "py_delta_seconds_bucket{job=\"py\",le=\"1.0\"}", 6.0,
                "py_delta_seconds_bucket{job=\"py\",le=\"+Inf\"}", 6.0,
                "py_delta_seconds_count{job=\"py\"}", 6.0,
                "py_delta_seconds_sum{job=\"py\"}", 1.875,
                "py_cum_ops_total{job=\"py\"}", 6.0 + 4.0 + 2.0));
    }

    @Test
    void pythonHistogramWhoseBucketsChangeInADeployIsCountedWhole() throws Exception {
        runPython("deploy.py", """
                import sys
                from prometheus_client import CollectorRegistry, Histogram, pushadd_to_gateway
                gw = sys.argv[1]
                # two versions of one function side by side, each invocation a fresh registry (delta)
                for buckets, observed in (([0.25, 1], (0.125, 0.5)), ([0.5, 1, 2.5], (0.375, 2.0))) * 2:
                    reg = CollectorRegistry()
                    h = Histogram('py_deploy_seconds', 'Time.', buckets=buckets, registry=reg)
                    for v in observed:
                        h.observe(v)
                    pushadd_to_gateway(gw, job='py', registry=reg)
                """);
        // each bucket counts what is known to be at or below its bound: the old version's 0.125s count at 0.5,
        // its 0.5s only from le="1.0" on (its own next bound), the new version's 2.0s from le="2.5"
        awaitExactly(Map.of(
                "py_deploy_seconds_bucket{job=\"py\",le=\"0.25\"}", 2.0,
                "py_deploy_seconds_bucket{job=\"py\",le=\"0.5\"}", 4.0,
                "py_deploy_seconds_bucket{job=\"py\",le=\"1.0\"}", 6.0,
                "py_deploy_seconds_bucket{job=\"py\",le=\"2.5\"}", 8.0,
                "py_deploy_seconds_bucket{job=\"py\",le=\"+Inf\"}", 8.0,
                "py_deploy_seconds_count{job=\"py\"}", 8.0,
                "py_deploy_seconds_sum{job=\"py\"}", 6.0));
    }

    @Test
    void nodeClientBothPushStyles() throws Exception {
        require(run(dir, "node", "--version").exitCode == 0 && run(dir, "npm", "--version").exitCode == 0, "node and npm");
        Path clients = Path.of("target", "node-clients").toAbsolutePath();
        Files.createDirectories(clients);
        if (!Files.exists(clients.resolve("node_modules/prom-client/package.json"))) {
            Result install = run(clients, "npm", "install", "--no-audit", "--no-fund", "prom-client@15.1.3");
            require(install.exitCode == 0, "npm prom-client@15.1.3 (" + install.output + ")");
        }
        Path script = clients.resolve("push.js");
        Files.writeString(script, """
                const client = require('prom-client');
                const gw = process.argv[2];
                (async () => {
                  for (let i = 0; i < 3; i++) {  // delta: a fresh registry per invocation
                    const reg = new client.Registry();
                    new client.Counter({name: 'node_delta_ops_total', help: 'Ops.', labelNames: ['fn'], registers: [reg]}).inc({fn: 'b'}, 5);
                    await new client.Pushgateway(gw, {}, reg).pushAdd({jobName: 'node'});
                  }
                  const reg = new client.Registry();  // cumulative: one registry for the container
                  const ops = new client.Counter({name: 'node_cum_ops_total', help: 'Ops.', registers: [reg]});
                  const groupings = {mayfly_temporality: 'cumulative', instance: 'container-1'};
                  for (const n of [1, 2, 3]) {
                    ops.inc(n);
                    await new client.Pushgateway(gw, {}, reg).pushAdd({jobName: 'node', groupings});
                  }
                })().catch(e => { console.error(e); process.exit(1); });
                """);
        Result r = run(clients, "node", script.toString(), base);
        assertThat(r.exitCode).as(r.output).isZero();
        awaitExactly(Map.of("node_delta_ops_total{fn=\"b\",job=\"node\"}", 15.0, "node_cum_ops_total{job=\"node\"}", 6.0));
    }

    @Test
    void javaSimpleclientPushAddSums() throws Exception {
        PushGateway gateway = new PushGateway(base.substring("http://".length()));
        for (int i = 0; i < 4; i++) {
            CollectorRegistry registry = new CollectorRegistry();
            Counter.build("java_ops_total", "Ops.").labelNames("route").register(registry).labels("/pay").inc(3);
            gateway.pushAdd(registry, "java");
        }
        awaitExactly(Map.of("java_ops_total{job=\"java\",route=\"/pay\"}", 12.0));
    }

    @Test
    void openTelemetrySdkDeltaAndCumulative() throws Exception {
        try (SdkMeterProvider provider = otel(AggregationTemporalitySelector.deltaPreferred(), "i-1")) {
            LongCounter orders = provider.get("shop").counterBuilder("otel_delta_orders").build();
            orders.add(3, Attributes.of(AttributeKey.stringKey("pay.method"), "card"));
            flush(provider);
            orders.add(2, Attributes.of(AttributeKey.stringKey("pay.method"), "card"));
            flush(provider);
        }
        try (SdkMeterProvider provider = otel(AggregationTemporalitySelector.alwaysCumulative(), "i-2")) {
            LongCounter orders = provider.get("shop").counterBuilder("otel_cum_orders").build();
            orders.add(3);
            flush(provider);
            orders.add(4);
            flush(provider);
        } // closing exports the running total once more: it must add nothing
        awaitExactly(Map.of(
                "otel_delta_orders_total{job=\"checkout\",pay_method=\"card\",region=\"eu-west-1\"}", 5.0,
                "otel_cum_orders_total{job=\"checkout\",region=\"eu-west-1\"}", 7.0));
    }

    private SdkMeterProvider otel(AggregationTemporalitySelector temporality, String instance) {
        OtlpHttpMetricExporter exporter = OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics")
                .setAggregationTemporalitySelector(temporality).build();
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), "checkout",
                AttributeKey.stringKey("service.instance.id"), instance,
                AttributeKey.stringKey("cloud.region"), "eu-west-1")));
        return SdkMeterProvider.builder().setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build()).build();
    }

    private static void flush(SdkMeterProvider provider) {
        CompletableResultCode result = provider.forceFlush().join(20, TimeUnit.SECONDS);
        assertThat(result.isSuccess()).as("OTLP export acknowledged").isTrue();
    }

    /** Runs a Python script with prometheus_client, given the gateway's host:port; it must exit 0. */
    private void runPython(String name, String source) throws Exception {
        require(Files.isExecutable(PYTHON) && run(dir, PYTHON.toString(), "-c", "import prometheus_client").exitCode == 0,
                "/usr/bin/python3 with prometheus_client");
        Path script = dir.resolve(name);
        Files.writeString(script, source);
        Result r = run(dir, PYTHON.toString(), script.toString(), "localhost:" + base.substring(base.lastIndexOf(':') + 1));
        assertThat(r.exitCode).as(r.output).isZero();
    }

    /** Polls /metrics until every expected sample has exactly its value; then asserts (showing the differences). */
    private void awaitExactly(Map<String, Double> expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Double> actual = Map.of();
        while (System.nanoTime() < deadline) {
            Map<String, Double> scraped = MetricsText.scrape(base + "/metrics");
            if (scraped != null) {
                actual = new TreeMap<>();
                for (String sample : expected.keySet()) {
                    actual.put(sample, scraped.get(sample));
                }
                if (actual.equals(new TreeMap<>(expected))) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        assertThat(actual).isEqualTo(new TreeMap<>(expected));
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Path workDir, String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(List.of(command)).directory(workDir.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        }
    }
}
