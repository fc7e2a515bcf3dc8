package dev.mayfly.exporter.internal;

import dev.mayfly.kafka.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's lag measured against a real broker: events not committed by the group, and the age of the oldest. */
class EngineLagIT {
    @TempDir
    Path dir;

    @Test
    void countsUnprocessedEventsAndTheAgeOfTheOldest() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.on(dir, 0).start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("events", 2, (short) 1))).all().get();
            long now = 1_000_000_000_000L;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 10; i++) {
                    // partition 0: 6 events accepted at now-60s .. now-55s; partition 1: 4 at now-30s ..
                    int partition = i < 6 ? 0 : 1;
                    long timestamp = partition == 0 ? now - 60_000 + i * 1000 : now - 30_000 + i * 1000;
                    producer.send(new ProducerRecord<>("events", partition, timestamp, null, new byte[]{(byte) i})).get();
                }
            }
            try (EngineLag lag = new EngineLag(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    "events", "engine", Duration.ofSeconds(5), () -> now)) {
                // the group has committed nothing: everything is behind, the oldest is 60 s old
                awaitMeasured(lag);
                assertThat(lag.events()).isEqualTo(10.0);
                assertThat(lag.seconds()).isEqualTo(60.0);

                // the engine committed 4 of partition 0 and all of partition 1: 2 behind, the oldest (offset 4) 56 s old
                admin.alterConsumerGroupOffsets("engine", Map.of(
                        new TopicPartition("events", 0), new OffsetAndMetadata(4),
                        new TopicPartition("events", 1), new OffsetAndMetadata(4))).all().get();
                lag.refresh();
                assertThat(lag.events()).isEqualTo(2.0);
                assertThat(lag.seconds()).isEqualTo(56.0);

                // caught up: nothing behind, age 0
                admin.alterConsumerGroupOffsets("engine", Map.of(new TopicPartition("events", 0), new OffsetAndMetadata(6))).all().get();
                lag.refresh();
                assertThat(lag.events()).isZero();
                assertThat(lag.seconds()).isZero();
            }
            try (EngineLag lag = new EngineLag(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    "no-such-topic", "engine", Duration.ofSeconds(5), () -> now)) {
                lag.refresh();
                assertThat(lag.events()).isNaN();
                assertThat(lag.seconds()).isNaN();
            }
        }
    }

    /** The first measurement of a fresh broker waits for its group coordinator, which may take more than one budget. */
    private static void awaitMeasured(EngineLag lag) throws InterruptedException {
        for (int i = 0; i < 10 && Double.isNaN(lag.events()); i++) {
            lag.refresh();
        }
    }

    /** A broker that stops answering: the gauges turn NaN within the interval plus the budget, not an old figure. */
    @Test
    void aValueThatCannotBeRefreshedIsNotServed() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000_000L);
        EmbeddedKafka kafka = EmbeddedKafka.on(dir, 0).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("events", 1, (short) 1))).all().get();
        }
        try (EngineLag lag = new EngineLag(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                "events", "engine", Duration.ofSeconds(5), clock::get)) {
            awaitMeasured(lag);
            assertThat(lag.events()).isZero();
            // served while fresh: up to the interval, the budget (5 s each here) and 2 s of slack after the measurement
            clock.addAndGet(11_900);
            assertThat(lag.events()).isZero();
            clock.addAndGet(200);
            assertThat(lag.events()).isNaN();
            assertThat(lag.seconds()).isNaN();

            clock.set(1_000_000_000_000L);
            kafka.close();
            lag.refresh(); // the broker is gone: the measurement fails within its budget
            assertThat(lag.events()).isNaN();
            assertThat(lag.seconds()).isNaN();
        } finally {
            kafka.close();
        }
    }
}
