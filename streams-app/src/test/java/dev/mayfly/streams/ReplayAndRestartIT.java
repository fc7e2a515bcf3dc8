package dev.mayfly.streams;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import static dev.mayfly.streams.Pipeline.batch;
import static dev.mayfly.streams.Pipeline.counter;
import static dev.mayfly.streams.Pipeline.cumulative;
import static dev.mayfly.streams.Pipeline.gauge;
import static dev.mayfly.streams.Pipeline.histogram;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against a real broker (exactly_once_v2, 4 partitions, 2 threads): a restart in the middle keeps the totals exact,
 * and replaying the same events topic into a fresh application id gives the same aggregates.
 */
class ReplayAndRestartIT {
    private static final String REPLAY_AGGREGATES = "replay-aggregates";

    @TempDir
    Path dir;

    @Test
    void aRestartKeepsTotalsExactAndAReplayIntoAFreshApplicationIdGivesTheSameAggregates() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicSetup.ensureDefaults(admin, 4, (short) 1);
                TopicSetup.ensure(admin, Topics.EVENTS, REPLAY_AGGREGATES, Topics.DEAD_LETTER, 4, (short) 1);
            }
            long now = System.currentTimeMillis();
            List<MetricEventBatch> batches = new ArrayList<>();
            for (int b = 0; b < 120; b++) {
                long emit = now - (120 - b) * 10L;
                List<MetricPoint> points = new ArrayList<>();
                for (int s = 0; s < 10; s++) {
                    points.add(counter("jobs_total", 1 + (b % 3), "queue", "q" + s));
                    points.add(gauge("depth", b * 10 + s, "queue", "q" + s));
                }
                points.add(histogram("latency_seconds", new double[]{0.1, 1}, new long[]{b % 2, 1, 0}, 0.5));
                points.add(cumulative("bytes", "w" + (b % 4), now - 100_000, b));
                batches.add(MetricEventBatch.newBuilder(batch("r-" + b, emit)).setPoints(points).build());
            }
            Map<String, String> settings = settings(kafka, "mayfly-first", Topics.AGGREGATES);

            try (StreamsApp app = started(settings)) {
                produce(kafka, batches.subList(0, 60));
                readUntil(kafka, Topics.AGGREGATES, a -> {
                    for (int s = 0; s < 10; s++) {
                        if (value(a, "jobs{job=\"fn\",queue=\"q" + s + "\"}") != expectedJobs(60)) {
                            return false;
                        }
                    }
                    return true;
                });
            }
            try (StreamsApp app = started(settings)) {
                produce(kafka, batches.subList(40, 120)); // 40..59 are retries across the restart
                // every task publishes on its own schedule: wait until each series shows its final value
                Map<String, Aggregate> first = readUntil(kafka, Topics.AGGREGATES, a -> {
                    for (int s = 0; s < 10; s++) {
                        if (value(a, "jobs{job=\"fn\",queue=\"q" + s + "\"}") != expectedJobs(120)
                                || value(a, "depth{job=\"fn\",queue=\"q" + s + "\"}") != 119 * 10 + s) {
                            return false;
                        }
                    }
                    return a.containsKey("latency_seconds{job=\"fn\"}") && a.get("latency_seconds{job=\"fn\"}").getHistogram().getCount() == 180
                            && value(a, "bytes{job=\"fn\"}") == expectedBytes();
                });
                for (int s = 0; s < 10; s++) {
                    assertThat(value(first, "jobs{job=\"fn\",queue=\"q" + s + "\"}")).isEqualTo(expectedJobs(120));
                    assertThat(value(first, "depth{job=\"fn\",queue=\"q" + s + "\"}")).isEqualTo(119 * 10 + s);
                }
                Aggregate latency = first.get("latency_seconds{job=\"fn\"}");
                assertThat(latency.getHistogram().getBucketCounts()).containsExactly(60L, 120L, 0L);
                assertThat(first.get("bytes{job=\"fn\"}").getValue()).isEqualTo(expectedBytes());

                try (StreamsApp replay = started(settings(kafka, "mayfly-replay", REPLAY_AGGREGATES))) {
                    Map<String, Aggregate> replayed = readUntil(kafka, REPLAY_AGGREGATES,
                            a -> dataSeries(a).equals(dataSeries(first)));
                    assertThat(dataSeries(replayed)).isEqualTo(dataSeries(first));
                }
            }
        }
    }

    @Test
    void aChangeCommittedButNotYetPublishedWhenTheAppStopsIsPublishedAfterItStartsAgain() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicSetup.ensureDefaults(admin, 4, (short) 1);
            }
            Map<String, String> settings = settings(kafka, "mayfly-unpublished", Topics.AGGREGATES);
            settings.put("publish.interval", "20s"); // no publication while the first run lasts
            long now = System.currentTimeMillis();
            List<MetricEventBatch> batches = new ArrayList<>();
            for (int b = 0; b < 20; b++) {
                batches.add(MetricEventBatch.newBuilder(batch("u-" + b, now)).setPoints(List.of(
                        counter("jobs_total", 1, "queue", "q" + (b % 5)))).build());
            }
            try (StreamsApp app = started(settings)) {
                long started = System.nanoTime();
                produce(kafka, batches);
                awaitEverythingCommitted(kafka, "mayfly-unpublished");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the first run ends before its first publication")
                        .isLessThan(Duration.ofSeconds(15));
                assertThat(dataSeries(readUntil(kafka, Topics.AGGREGATES, a -> false, Duration.ofSeconds(1))))
                        .as("committed, not yet published").isEmpty();
            }
            try (StreamsApp app = started(settings)) {
                Map<String, Aggregate> published = readUntil(kafka, Topics.AGGREGATES, a -> dataSeries(a).size() == 5, Duration.ofSeconds(40));
                for (int q = 0; q < 5; q++) {
                    assertThat(value(published, "jobs{job=\"fn\",queue=\"q" + q + "\"}")).isEqualTo(4.0);
                }
            }
        }
    }

    /** Waits until the application's committed offsets reach the end of every partition it reads (events and repartition). */
    private static void awaitEverythingCommitted(EmbeddedKafka kafka, String applicationId) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
                committed.keySet().forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
                var ends = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get();
                boolean repartitionSeen = committed.keySet().stream().anyMatch(tp -> tp.topic().endsWith("-repartition"));
                long eventsCommitted = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.EVENTS))
                        .mapToLong(e -> e.getValue().offset()).sum();
                boolean caughtUp = committed.entrySet().stream().allMatch(e -> e.getValue().offset() >= ends.get(e.getKey()).offset());
                if (repartitionSeen && eventsCommitted >= 20 && caughtUp) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("the application did not commit every record within 30 s");
        }
    }

    private static double expectedJobs(int batches) {
        double sum = 0;
        for (int b = 0; b < batches; b++) {
            sum += 1 + (b % 3);
        }
        return sum;
    }

    private static double expectedBytes() {
        double sum = 0;
        for (int w = 0; w < 4; w++) {
            int last = 0;
            for (int b = 0; b < 120; b++) {
                if (b % 4 == w) {
                    last = b;
                }
            }
            sum += last;
        }
        return sum;
    }

    private static Map<String, Aggregate> dataSeries(Map<String, Aggregate> all) {
        Map<String, Aggregate> data = new TreeMap<>();
        all.forEach((k, v) -> {
            if (!k.startsWith("mayfly_")) {
                data.put(k, v);
            }
        });
        return data;
    }

    private static double value(Map<String, Aggregate> aggregates, String key) {
        Aggregate a = aggregates.get(key);
        return a == null ? -1 : a.getValue();
    }

    private Map<String, String> settings(EmbeddedKafka kafka, String applicationId, String aggregatesTopic) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("application.id", applicationId);
        settings.put("topic.aggregates", aggregatesTopic);
        settings.put("num.stream.threads", "2");
        settings.put("state.dir", dir.resolve("state-" + applicationId).toString());
        settings.put("publish.interval", "200ms");
        return settings;
    }

    private static StreamsApp started(Map<String, String> settings) throws InterruptedException {
        StreamsApp app = StreamsApp.create(StreamsAppConfig.from(settings));
        app.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!app.isReady() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(app.isReady()).isTrue();
        return app;
    }

    private static void produce(EmbeddedKafka kafka, List<MetricEventBatch> batches) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            for (MetricEventBatch b : batches) {
                producer.send(new ProducerRecord<>(Topics.EVENTS, b.getEventId(), Pipeline.EVENTS.encode(b)));
            }
        }
    }

    /** The latest committed aggregate per key of {@code topic}, once {@code done} holds (or after 30 s). */
    private static Map<String, Aggregate> readUntil(EmbeddedKafka kafka, String topic, Predicate<Map<String, Aggregate>> done) {
        return readUntil(kafka, topic, done, Duration.ofSeconds(30));
    }

    /** The latest committed aggregate per key of {@code topic}, once {@code done} holds (or after {@code timeout}). */
    private static Map<String, Aggregate> readUntil(EmbeddedKafka kafka, String topic, Predicate<Map<String, Aggregate>> done, Duration timeout) {
        Map<String, Aggregate> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                parts.add(new org.apache.kafka.common.TopicPartition(topic, p));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(latest)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), Pipeline.AGGREGATES.decode(r.value()));
                    }
                }
            }
        }
        return latest;
    }
}
