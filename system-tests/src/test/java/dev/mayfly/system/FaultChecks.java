package dev.mayfly.system;

import dev.mayfly.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verdicts of the fault tests, once the {@link Generator} has stopped: what an exporter serves, what Prometheus
 * recorded and what the dead-letter topic holds, each against what the generator knows it published.
 */
final class FaultChecks {
    /** The prefix of every series the generator publishes. */
    static final String PREFIX = "fault_";

    private FaultChecks() {
    }

    /**
     * Waits (up to {@code timeout}) until the exporter at {@code metricsUrl} serves every counter with exactly its
     * acknowledged total, then asserts it does and serves no generator series beyond the truth. Returns the
     * generator's series as served.
     */
    static Map<String, Double> assertServesExactlyTheTruth(String metricsUrl, Truth truth, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Double> last = Map.of();
        while (System.nanoTime() < deadline) {
            Map<String, Double> scraped = MetricsText.scrape(metricsUrl);
            if (scraped != null) {
                last = scraped;
                if (truth.differences(scraped).isEmpty()) {
                    break;
                }
            }
            Thread.sleep(500);
        }
        assertThat(truth.differences(last)).as("counters at %s that differ from the acknowledged truth", metricsUrl).isEmpty();
        Map<String, Double> served = new TreeMap<>();
        last.forEach((sample, value) -> {
            if (sample.startsWith(PREFIX)) {
                served.put(sample, value);
            }
        });
        assertThat(served.keySet()).as("series at %s beyond the truth", metricsUrl).hasSameSizeAs(truth.expected().keySet());
        return served;
    }

    /**
     * Prometheus scraped {@code targets} exporters all along: it recorded every counter once per target, never saw
     * one reset, and its newest values add up to the truth on every target.
     */
    static void assertPrometheusSawNoReset(PrometheusServer prometheus, Truth truth, int targets) throws Exception {
        Thread.sleep(3_000); // a few more scrapes of the final values
        Map<String, Double> resets = prometheus.query("resets({__name__=~\"" + PREFIX + ".*_total\"}[30m])");
        assertThat(resets).as("series Prometheus recorded").hasSize(truth.expected().size() * targets);
        assertThat(resets).as("resets() per counter and target").allSatisfy((series, count) -> assertThat(count).as(series).isZero());
        Map<String, Double> sums = prometheus.query("sum by (instance) ({__name__=~\"" + PREFIX + ".*_total\"})");
        long expected = truth.expected().values().stream().mapToLong(Long::longValue).sum();
        assertThat(sums).as("targets Prometheus scraped").hasSize(targets);
        assertThat(sums).as("sum of the newest values per target").allSatisfy((instance, sum) -> assertThat(sum).as(instance).isEqualTo((double) expected));
    }

    /** The dead-letter topic holds each of the generator's poison records exactly once, with a reason, garbage as sent. */
    static void assertDeadLettersAreThePoison(String bootstrap, Generator generator) {
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
