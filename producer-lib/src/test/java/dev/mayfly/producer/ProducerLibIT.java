package dev.mayfly.producer;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.codec.Framing;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import dev.mayfly.schemas.testing.ApicurioRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The producer library against a real broker (EmbeddedKafka) and a real schema registry (Apicurio, ccompat API). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(90)
class ProducerLibIT {
    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    private static ApicurioRegistry registry;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.on(dir, 0).start();
        registry = ApicurioRegistry.start();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void aFlushLandsOneBatchInSingleObjectEncoding() throws Exception {
        String topic = newTopic();
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(config(topic, "5s"))) {
            Counter requests = metrics.counter("requests_total").help("Requests.").labelNames("route").register();
            Histogram duration = metrics.histogram("duration_seconds").classicUpperBounds(0.1, 1).register();
            requests.labelValues("/pay").inc(2);
            duration.observe(0.3);

            metrics.flush();

            List<ConsumerRecord<byte[], byte[]>> records = consume(topic, 1);
            assertThat(records).hasSize(1);
            byte[] value = records.get(0).value();
            assertThat(Framing.detect(value)).isEqualTo(Framing.SINGLE_OBJECT);
            MetricEventBatch batch = MayflyCodecs.events(null, topic).decode(value);
            assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(batch.getEventId());
            assertThat(batch.getSource().getJob()).isEqualTo("it-job");
            assertThat(value(batch, "requests_total")).isEqualTo(2.0);
            assertThat(point(batch, "duration_seconds").getHistogram().getBucketCounts()).containsExactly(0L, 1L, 0L);
        }
    }

    @Test
    @Order(2)
    void aFlushLandsOneBatchInConfluentFramingWithARealRegistry() throws Exception {
        String topic = newTopic();
        Map<String, String> config = config(topic, "5s");
        config.put("schema.registry.url", registry.ccompatUrl());
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(config)) {
            metrics.gauge("queue_depth").register().set(12);

            metrics.flush();

            List<ConsumerRecord<byte[], byte[]>> records = consume(topic, 1);
            assertThat(records).hasSize(1);
            byte[] value = records.get(0).value();
            assertThat(Framing.detect(value)).isEqualTo(Framing.CONFLUENT);
            MetricEventBatch batch = MayflyCodecs.events(new SchemaRegistryClient(registry.ccompatUrl(), Duration.ofSeconds(5)), "any")
                    .decode(value);
            assertThat(value(batch, "queue_depth")).isEqualTo(12.0);
        }
    }

    @Test
    @Order(3)
    void warmInvocationsReuseTheSameProducer() throws Exception {
        String topic = newTopic();
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(config(topic, "5s"))) {
            Counter calls = metrics.counter("calls_total").register();
            for (int invocation = 0; invocation < 3; invocation++) {
                calls.inc();
                metrics.flush();
            }

            assertThat(metrics.sender().producersCreated()).isEqualTo(1);
            List<ConsumerRecord<byte[], byte[]>> records = consume(topic, 3);
            assertThat(records).hasSize(3);
            for (ConsumerRecord<byte[], byte[]> r : records) {
                assertThat(value(MayflyCodecs.events(null, topic).decode(r.value()), "calls_total")).isEqualTo(1.0);
            }
        }
    }

    /** A container serving invocations at once: their flushes share sends, and every increment lands exactly once. */
    @Test
    @Order(3)
    void concurrentFlushesOfOneContainerShareBatchesAndCountEveryIncrementOnce() throws Exception {
        String topic = newTopic();
        int threads = 16;
        int invocations = 100;
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(config(topic, "10s"))) {
            Counter calls = metrics.counter("calls_total").register();
            List<Thread> workers = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                workers.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < invocations; i++) {
                            calls.inc();
                            metrics.flush();
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            workers.forEach(Thread::start);
            for (Thread w : workers) {
                w.join();
            }
            assertThat(failures).isEmpty();

            List<ConsumerRecord<byte[], byte[]>> records = consume(topic, (int) endOffset(topic));
            double total = 0;
            java.util.Set<String> eventIds = new java.util.HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                MetricEventBatch batch = MayflyCodecs.events(null, topic).decode(r.value());
                assertThat(eventIds.add(batch.getEventId())).as("each batch once").isTrue();
                total += value(batch, "calls_total");
            }
            assertThat(total).isEqualTo(threads * invocations);
            assertThat(records.size()).as("1,600 flushes shared their batches").isLessThan(threads * invocations / 2);
        }
    }

    @Test
    @Order(4)
    void withNoBrokerAFlushFailsWithinTheTimeoutNamingTheEvent() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> config = config("mayfly-events", "1500ms");
        config.put("bootstrap.servers", "localhost:" + closedPort);
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(config)) {
            metrics.counter("calls_total").register().inc();
            long start = System.nanoTime();

            FlushException e = assertThrows(FlushException.class, metrics::flush);

            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isLessThan(Duration.ofMillis(3000));
            assertThat(e.eventId()).isNotBlank();
            assertThat(e.getMessage()).startsWith("flush to topic mayfly-events failed within 1500 ms: event " + e.eventId() + " not acknowledged: ")
                    .contains("TimeoutException");
        }
    }

    @Test
    @Order(100)
    void aFlushFailedWhileTheBrokerIsDownIsResentWithTheSameEventId() throws Exception {
        String topic = newTopic();
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(config(topic, "2s"))) {
            Counter calls = metrics.counter("calls_total").register();
            calls.inc();
            metrics.flush(); // warm: the producer is connected
            kafka.close();

            calls.inc(5);
            long start = System.nanoTime();
            FlushException failure = assertThrows(FlushException.class, metrics::flush);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(4000));
            assertThat(failure.getMessage()).contains("event " + failure.eventId());

            kafka.start();
            calls.inc(1);
            metrics.flush();

            assertThat(metrics.sender().pendingEventIds()).isEmpty();
            List<MetricEventBatch> batches = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : consume(topic, 3)) {
                batches.add(MayflyCodecs.events(null, topic).decode(r.value()));
            }
            // the failed batch landed with its original id and content (maybe twice: downstream counts an id once)
            List<MetricEventBatch> retried = batches.stream().filter(b -> b.getEventId().equals(failure.eventId())).toList();
            assertThat(retried).isNotEmpty();
            assertThat(value(retried.get(0), "calls_total")).isEqualTo(5.0);
            assertThat(batches.get(batches.size() - 1).getEventId()).isNotEqualTo(failure.eventId());
            assertThat(value(batches.get(batches.size() - 1), "calls_total")).isEqualTo(1.0);
            assertThat(metrics.sender().producersCreated()).isEqualTo(1);
        }
    }

    private static Map<String, String> config(String topic, String flushTimeout) {
        Map<String, String> config = new HashMap<>();
        config.put("job", "it-job");
        config.put("bootstrap.servers", kafka.bootstrapServers());
        config.put("topic.events", topic);
        config.put("flush.timeout", flushTimeout);
        return config;
    }

    private static String newTopic() throws Exception {
        String topic = "events-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        return topic;
    }

    /** The records of the topic's only partition, waiting (at most 15 s) until there are at least {@code atLeast}. */
    private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.currentTimeMillis() + 15_000;
            while (records.size() < atLeast && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add); // anything more (a duplicate) shows too
        }
        return records;
    }

    private static long endOffset(String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private static MetricPoint point(MetricEventBatch batch, String name) {
        return batch.getPoints().stream().filter(p -> p.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no point " + name + " in " + batch));
    }

    private static double value(MetricEventBatch batch, String name) {
        return point(batch, name).getValue();
    }
}
