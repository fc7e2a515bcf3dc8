package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Temporality;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.mayfly.gateway.Points.counter;
import static dev.mayfly.gateway.Points.cumulativeCounter;
import static dev.mayfly.gateway.Points.histogram;
import static dev.mayfly.gateway.Points.labels;
import static org.assertj.core.api.Assertions.assertThat;

/** npm prom-client 15.1.3 (Pushgateway.pushAdd) on Node 20 against the gateway, in both push styles. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeClientIT {
    static final Path CLIENTS = Path.of("target", "node-clients");
    private static final String SCRIPT = """
            const client = require('prom-client');
            const [gw, mode] = process.argv.slice(2);
            function metrics(reg) {
              return {
                c: new client.Counter({name: 'node_invocations_total', help: 'Invocations.', labelNames: ['fn'], registers: [reg]}),
                h: new client.Histogram({name: 'node_duration_seconds', help: 'Duration.', buckets: [0.1, 1], registers: [reg]}),
              };
            }
            async function invocation(reg, m, groupings) {
              m.c.inc({fn: 'resize'}, 2);
              m.h.observe(0.5);
              await new client.Pushgateway(gw, {}, reg).pushAdd({jobName: 'nodefn', groupings});
            }
            (async () => {
              if (mode === 'delta') {
                for (let i = 0; i < 2; i++) {
                  const reg = new client.Registry();
                  await invocation(reg, metrics(reg), {region: 'eu'});
                }
              } else {
                const reg = new client.Registry();
                const m = metrics(reg);
                for (let i = 0; i < 2; i++) {
                  await invocation(reg, m, {mayfly_temporality: 'cumulative', instance: 'n-1'});
                }
              }
            })().catch(e => { console.error(e); process.exit(1); });
            """;

    GatewayHarness h;
    Path script;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        ExternalTools.require(ExternalTools.works("node", "--version"), "node");
        if (!Files.exists(CLIENTS.resolve("node_modules/prom-client/package.json"))) {
            Files.createDirectories(CLIENTS);
            ExternalTools.Result install = ExternalTools.run(CLIENTS, 120, "npm", "install", "--no-audit", "--no-fund",
                    "--prefix", CLIENTS.toAbsolutePath().toString(), "prom-client@15.1.3");
            ExternalTools.require(install.exitCode() == 0, "npm prom-client@15.1.3 (" + install.output() + ")");
        }
        script = CLIENTS.resolve("push.js");
        Files.writeString(script, SCRIPT);
        h = new GatewayHarness(dir, Map.of());
    }

    @AfterAll
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private void node(String mode) throws Exception {
        ExternalTools.Result r = ExternalTools.run(CLIENTS, 60, "node", script.toAbsolutePath().toString(), h.url(""), mode);
        assertThat(r.exitCode()).as(r.output()).isEqualTo(0);
    }

    @Test
    void deltaPushesFromAFreshRegistryPerInvocation() throws Exception {
        node("delta");
        for (MetricEventBatch b : h.read(2)) {
            assertThat(b.getSource().getJob()).isEqualTo("nodefn");
            assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
            assertThat(b.getPoints()).containsExactly(
                    counter("node_invocations_total", "Invocations.", labels("fn", "resize"), 2),
                    histogram("node_duration_seconds", "Duration.", labels(), List.of(0.1, 1.0), List.of(0L, 1L, 0L), 0.5, 1,
                            Temporality.DELTA, null, null));
        }
    }

    @Test
    void cumulativePushesFromARegistryLivingAcrossWarmInvocations() throws Exception {
        node("cumulative");
        List<MetricEventBatch> batches = h.read(2);
        String stream = "nodefn{instance=\"n-1\"}";
        for (int i = 0; i < 2; i++) {
            long n = i + 1;
            MetricEventBatch b = batches.get(i);
            assertThat(b.getSource().getInstance()).isEqualTo("n-1");
            assertThat(b.getGroupingLabels()).isEmpty();
            assertThat(b.getPoints()).containsExactly(
                    cumulativeCounter("node_invocations_total", "Invocations.", labels("fn", "resize"), 2 * n, stream, null),
                    histogram("node_duration_seconds", "Duration.", labels(), List.of(0.1, 1.0), List.of(0L, n, 0L), 0.5 * n, n,
                            Temporality.CUMULATIVE, stream, null));
        }
    }
}
