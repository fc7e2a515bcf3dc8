package dev.mayfly.system;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Exactly-once under crashes and poison, modelled on how Kafka verifies its own exactly-once: a generator that knows
 * the truth (only acknowledged increments count) and a verifier that recomputes it from what the exporter serves.
 * Mayfly runs as separate OS processes (broker, streams, exporter, gateway); the streams app is SIGKILLed three
 * times, the broker restarted once, the exporter SIGKILLed once, while a real Prometheus scrapes every second.
 * Repeat with {@code -Dmayfly.faultRuns=3}.
 */
class ExactlyOnceFaultIT {
    @TempDir
    Path dir;

    @Test
    void countsStayExactThroughCrashesRestartsAndPoison() throws Exception {
        if (System.getenv("CI") == null) {
            assumeTrue(PrometheusServer.isInstalled(), "prometheus is not installed");
        }
        int runs = Integer.getInteger("mayfly.faultRuns", 1);
        for (int run = 1; run <= runs; run++) {
            Path runDir = Files.createDirectories(dir.resolve("run-" + run));
            oneRun(runDir);
        }
    }

    private void oneRun(Path runDir) throws Exception {
        int kafkaPort = Ports.free();
        String bootstrap = "localhost:" + kafkaPort;
        int exporterPort = Ports.free();
        int gatewayPort = Ports.free();
        int streamsPort = Ports.free();
        String exporterUrl = "http://localhost:" + exporterPort;
        Truth truth = new Truth();

        MayflyProcess broker = broker(runDir, kafkaPort).start().awaitOutput("Kafka broker listening", Duration.ofMinutes(3));
        MayflyProcess streams = streams(runDir, bootstrap, streamsPort).start();
        MayflyProcess exporter = new MayflyProcess("exporter", runDir, "exporter", "--bootstrap-servers", bootstrap,
                "--http-port", String.valueOf(exporterPort), "--bind", "127.0.0.1").start();
        MayflyProcess gateway = new MayflyProcess("gateway", runDir, "gateway", "--bootstrap-servers", bootstrap,
                "--http-port", String.valueOf(gatewayPort), "--bind", "127.0.0.1").start();
        try (PrometheusServer prometheus = PrometheusServer.scraping("127.0.0.1:" + exporterPort, Files.createDirectories(runDir.resolve("prometheus")))) {
            MetricsText.awaitStatus("http://localhost:" + streamsPort + "/-/ready", 200, Duration.ofSeconds(90));
            MetricsText.awaitStatus(exporterUrl + "/-/ready", 200, Duration.ofSeconds(60));
            MetricsText.awaitStatus("http://localhost:" + gatewayPort + "/-/ready", 200, Duration.ofSeconds(60));

            Generator generator = new Generator(bootstrap, "http://localhost:" + gatewayPort, truth);
            Thread generatorThread = new Thread(generator, "generator");
            generatorThread.start();

            // faults while the generator publishes
            Thread.sleep(8_000);
            streams.kill();
            streams = streams(runDir, bootstrap, streamsPort).start();
            Thread.sleep(8_000);
            streams.kill();
            streams = streams(runDir, bootstrap, streamsPort).start();
            Thread.sleep(8_000);
            assertThat(broker.stop()).isIn(0, 143);
            broker = broker(runDir, kafkaPort).start().awaitOutput("Kafka broker listening", Duration.ofMinutes(3));
            Thread.sleep(8_000);
            exporter.kill();
            exporter = new MayflyProcess("exporter", runDir, "exporter", "--bootstrap-servers", bootstrap,
                    "--http-port", String.valueOf(exporterPort), "--bind", "127.0.0.1").start();
            Thread.sleep(8_000);
            streams.kill();
            streams = streams(runDir, bootstrap, streamsPort).start();
            Thread.sleep(8_000);

            generator.stop();
            generatorThread.join(Duration.ofMinutes(3).toMillis());
            assertThat(generator.failure).as("generator failure").isNull();
            assertThat(generator.rounds.get()).as("rounds published").isGreaterThan(50);
            assertThat(generator.retriesSent.get()).isGreaterThan(10);

            // verify: the exporter converges to exactly the acknowledged increments, Prometheus never saw a reset,
            // and the dead-letter topic holds exactly the poison
            FaultChecks.assertServesExactlyTheTruth(exporterUrl + "/metrics", truth, Duration.ofMinutes(3));
            FaultChecks.assertPrometheusSawNoReset(prometheus, truth, 1);
            FaultChecks.assertDeadLettersAreThePoison(bootstrap, generator);
        } finally {
            for (MayflyProcess p : List.of(gateway, exporter, streams, broker)) {
                p.close();
            }
        }
    }

    private static MayflyProcess broker(Path runDir, int kafkaPort) {
        return new MayflyProcess("broker", runDir, "broker", "--data-dir", runDir.resolve("broker").toString(),
                "--kafka-port", String.valueOf(kafkaPort), "--partitions", "4");
    }

    private static MayflyProcess streams(Path runDir, String bootstrap, int httpPort) {
        return new MayflyProcess("streams", runDir, "streams", "--bootstrap-servers", bootstrap,
                "--http-port", String.valueOf(httpPort), "--bind", "127.0.0.1", "--replication-factor", "1",
                "--set", "state.dir=" + runDir.resolve("streams-state"),
                "--set", "num.stream.threads=2");
    }
}
