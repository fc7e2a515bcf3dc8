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

import static dev.mayfly.streams.Pipeline.batch;
import static dev.mayfly.streams.Pipeline.counter;
import static dev.mayfly.streams.Pipeline.cumulative;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app against a real broker: exactly_once_v2, 4 partitions, two stream threads. Known batches, retries of
 * some of them and garbage go in; the committed aggregates topic must hold the exact totals.
 */
class StreamsAppIT {
    @TempDir
    Path dir;

    @Test
    void exactTotalsOnTheCommittedAggregatesTopicDespiteRetriesAndGarbage() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicSetup.ensureDefaults(admin, 4, (short) 1);
            }
            Map<String, String> settings = new HashMap<>();
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put("application.id", "mayfly-it");
            settings.put("num.stream.threads", "2");
            settings.put("state.dir", dir.resolve("state").toString());
            settings.put("publish.interval", "200ms");
            settings.put("self.metrics.interval", "500ms");
            try (StreamsApp app = StreamsApp.create(StreamsAppConfig.from(settings))) {
                app.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!app.isReady() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(app.isReady()).isTrue();

                long now = System.currentTimeMillis();
                Map<String, Double> expected = new HashMap<>();
                List<MetricEventBatch> batches = new ArrayList<>();
                for (int b = 0; b < 200; b++) {
                    List<MetricPoint> points = new ArrayList<>();
                    for (int s = 0; s < 20; s++) {
                        double v = (b % 7) + s;
                        points.add(counter("requests_total", v, "route", "/r" + s));
                        expected.merge("requests{job=\"fn\",route=\"/r" + s + "\"}", v, Double::sum);
                    }
                    points.add(cumulative("bytes", "stream-" + (b % 3), now, b + 1));
                    batches.add(MetricEventBatch.newBuilder(batch("it-" + b, now)).setPoints(points).build());
                }
                // cumulative: each stream's last total (streams 0,1,2 end at 199, 200, 198 ... +1)
                double cumulative = 0;
                for (int s = 0; s < 3; s++) {
                    int last = 0;
                    for (int b = 0; b < 200; b++) {
                        if (b % 3 == s) {
                            last = b + 1;
                        }
                    }
                    cumulative += last;
                }
                expected.put("bytes{job=\"fn\"}", cumulative);

                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
                    for (int b = 0; b < batches.size(); b++) {
                        MetricEventBatch batch = batches.get(b);
                        producer.send(new ProducerRecord<>(Topics.EVENTS, batch.getEventId(), Pipeline.EVENTS.encode(batch)));
                        if (b % 4 == 0) { // a retry of an earlier batch
                            MetricEventBatch retry = batches.get(b / 2);
                            producer.send(new ProducerRecord<>(Topics.EVENTS, retry.getEventId(), Pipeline.EVENTS.encode(retry)));
                        }
                        if (b % 50 == 0) {
                            producer.send(new ProducerRecord<>(Topics.EVENTS, "junk-" + b, new byte[]{7, 7, 7, 7, 7, 7}));
                        }
                    }
                    producer.flush();
                }

                Map<String, Double> actual = new HashMap<>();
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "it-reader",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(Topics.AGGREGATES));
                    deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                    while (System.nanoTime() < deadline && !(actual.entrySet().containsAll(expected.entrySet())
                            && sum(actual, "mayfly_pipeline_duplicates") == 50 && sum(actual, "mayfly_pipeline_rejects") == 4
                            // each task publishes its own counters on its own schedule: wait for every task's last ones
                            && sum(actual, "mayfly_pipeline_events") == 254 && sum(actual, "mayfly_pipeline_points") == 200 * 21)) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            if (r.value() == null) {
                                actual.remove(r.key());
                            } else {
                                Aggregate a = Pipeline.AGGREGATES.decode(r.value());
                                actual.put(r.key(), a.getValue());
                            }
                        }
                    }
                }
                for (Map.Entry<String, Double> e : expected.entrySet()) {
                    assertThat(actual.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                }
                assertThat(sum(actual, "mayfly_pipeline_duplicates")).isEqualTo(50);
                assertThat(sum(actual, "mayfly_pipeline_rejects")).isEqualTo(4);
                assertThat(sum(actual, "mayfly_pipeline_events")).isEqualTo(254);
                assertThat(sum(actual, "mayfly_pipeline_points")).isEqualTo(200 * 21);

                // a group delete reaches the series of the job on every partition
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                    MetricEventBatch delete = Pipeline.deleteGroup("it-delete", System.currentTimeMillis(), "fn", Map.of());
                    producer.send(new ProducerRecord<>(Topics.EVENTS, delete.getEventId(), Pipeline.EVENTS.encode(delete))).get();
                }
                java.util.Set<String> tombstoned = new java.util.HashSet<>();
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "it-reader-2",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(Topics.AGGREGATES));
                    deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (System.nanoTime() < deadline && !tombstoned.containsAll(expected.keySet())) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            if (r.value() == null) {
                                tombstoned.add(r.key());
                            }
                        }
                    }
                }
                assertThat(tombstoned).containsAll(expected.keySet());
                assertThat(expected.keySet().stream().map(k -> org.apache.kafka.common.utils.Utils.toPositive(
                        org.apache.kafka.common.utils.Utils.murmur2(k.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 4)
                        .distinct().count()).as("the series are spread over several partitions").isGreaterThan(1);
            }
        }
    }

    private static double sum(Map<String, Double> aggregates, String name) {
        return aggregates.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{"))
                .mapToDouble(Map.Entry::getValue).sum();
    }
}
