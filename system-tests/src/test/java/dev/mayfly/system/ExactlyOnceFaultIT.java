package dev.mayfly.system;

import dev.mayfly.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

        MayflyProcess broker = broker(runDir, kafkaPort).start().awaitOutput("Kafka broker listening", Duration.ofSeconds(60));
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
            broker = broker(runDir, kafkaPort).start().awaitOutput("Kafka broker listening", Duration.ofSeconds(60));
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

            // verify: the exporter converges to exactly the acknowledged increments
            Map<String, Double> exported = awaitTruth(exporterUrl + "/metrics", truth, Duration.ofMinutes(3));
            assertThat(truth.differences(exported)).as("exported counters that differ from the acknowledged truth").isEmpty();
            assertThat(exported.keySet().stream().filter(k -> k.startsWith("fault_")).toList())
                    .as("no series beyond the truth").hasSameSizeAs(truth.expected().keySet());

            // Prometheus scraped all along and never saw a counter reset
            Thread.sleep(3_000);
            Map<String, Double> resets = prometheus.query("resets({__name__=~\"fault_.*_total\"}[30m])");
            assertThat(resets).as("series Prometheus recorded").hasSize(truth.expected().size());
            assertThat(resets.values()).as("resets() per counter").allMatch(v -> v == 0.0);
            Map<String, Double> inPrometheus = prometheus.query("{__name__=~\"fault_.*_total\"}");
            assertThat(inPrometheus.values().stream().mapToDouble(Double::doubleValue).sum())
                    .isEqualTo(truth.expected().values().stream().mapToLong(Long::longValue).sum());

            // the dead-letter topic holds exactly the poison, each with its reason
            Map<String, ConsumerRecord<byte[], byte[]>> deadLetters = readDeadLetters(bootstrap, generator.poisonKeys.size());
            assertThat(deadLetters.keySet()).containsExactlyInAnyOrderElementsOf(generator.poisonKeys);
            deadLetters.forEach((key, record) -> {
                Header reason = record.headers().lastHeader(Topics.HEADER_REASON);
                assertThat(reason).as("reason header of %s", key).isNotNull();
                assertThat(new String(reason.value(), StandardCharsets.UTF_8)).isNotBlank();
                if (generator.garbage.containsKey(key)) {
                    assertThat(record.value()).as("garbage kept as sent").isEqualTo(generator.garbage.get(key));
                }
            });
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

    private static Map<String, Double> awaitTruth(String url, Truth truth, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Double> last = null;
        while (System.nanoTime() < deadline) {
            Map<String, Double> scraped = MetricsText.scrape(url);
            if (scraped != null) {
                last = scraped;
                if (truth.differences(scraped).isEmpty()) {
                    return scraped;
                }
            }
            Thread.sleep(500);
        }
        return last == null ? Map.of() : last;
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> readDeadLetters(String bootstrap, int expected) {
        Map<String, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEAD_LETTER).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int total = 0;
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    total++;
                    ConsumerRecord<byte[], byte[]> previous = out.put(new String(r.key(), StandardCharsets.UTF_8), r);
                    assertThat(previous).as("dead letter for %s written once", new String(r.key(), StandardCharsets.UTF_8)).isNull();
                }
            }
            assertThat(total).as("dead-letter records").isEqualTo(expected);
        }
        return out;
    }
}
