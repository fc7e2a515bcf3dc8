package dev.mayfly.gateway;

import dev.mayfly.gateway.internal.KafkaBatchSink;
import dev.mayfly.schemas.DeleteCopy;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The events sink against a real broker: ready once the producer holds the topic's metadata, a write cannot wait (so
 * pushes are handled on the event loop) unless configured to, and a broker that goes away freezes no connection.
 */
class KafkaBatchSinkIT {
    @TempDir
    Path dir;

    private static MetricEventBatch batch(String id) {
        return new MetricEventBatch(id, new Source("j", null, null, null), Instant.now(), Operation.RECORD, Map.of(), List.of());
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    @Test
    void readyOnceTheProducerHoldsTheTopicsMetadataAndWritesWithoutWaitingUnlessSendsMayWait() throws Exception {
        try (GatewayHarness h = new GatewayHarness(dir, Map.of());
             KafkaBatchSink sink = new KafkaBatchSink(h.kafka.bootstrapServers(), Map.of(), Topics.EVENTS, h.codec, Duration.ofSeconds(5));
             KafkaBatchSink waiting = new KafkaBatchSink(h.kafka.bootstrapServers(), Map.of("max.block.ms", "5000"),
                     Topics.EVENTS, h.codec, Duration.ofSeconds(5))) {
            assertThat(eventually(sink::isReady)).as("ready, the producer holding the topic's metadata").isTrue();
            assertThat(sink.writesWithoutWaiting()).isTrue();
            sink.write(batch("e1"), true).get(); // the first send finds the metadata at hand: it does not fail for want of it
            assertThat(eventually(waiting::isReady)).isTrue();
            waiting.write(batch("e2"), false).get();
            assertThat(waiting.writesWithoutWaiting()).as("kafka.max.block.ms above 0: a send may wait").isFalse();
        }
    }

    @Test
    void whileNothingIsWrittenTheSinkWritesATickThatCarriesOnlyTheTime() throws Exception {
        String topic = "ticks";
        try (GatewayHarness h = new GatewayHarness(dir, Map.of())) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, h.kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            try (KafkaBatchSink sink = new KafkaBatchSink(h.kafka.bootstrapServers(), Map.of(), topic, h.codec, Duration.ofSeconds(5));
                 KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                         h.kafka.bootstrapServers()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                assertThat(eventually(sink::isReady)).isTrue();
                long idleFrom = System.currentTimeMillis(); // ticks may come before the push too (a slow start)
                sink.write(batch("push"), true).get();
                reader.assign(List.of(tp));
                reader.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (afterPush(records, h).size() < 2 && System.nanoTime() < deadline) {
                    reader.poll(Duration.ofMillis(100)).forEach(records::add);
                }
                List<ConsumerRecord<byte[], byte[]>> ticks = afterPush(records, h);
                assertThat(ticks).as("ticks while nothing else is written").hasSizeGreaterThanOrEqualTo(2);
                for (ConsumerRecord<byte[], byte[]> tick : ticks.subList(0, 2)) {
                    assertThat(tick.headers().lastHeader(Topics.HEADER_TICK)).as("headed as a tick").isNotNull();
                    assertThat(tick.timestamp()).as("written after a second without writes").isGreaterThan(idleFrom + 900);
                    MetricEventBatch b = h.codec.decode(tick.value());
                    assertThat(b.getPoints()).as("a tick counts nothing").isEmpty();
                    assertThat(b.getSource().getJob()).isEqualTo("mayfly-gateway-tick");
                    assertThat(b.getEmitTime().toEpochMilli()).isEqualTo(tick.timestamp());
                }
                assertThat(ticks.get(1).timestamp() - ticks.get(0).timestamp()).as("about one a second, not a flood")
                        .isGreaterThan(900);
            }
        }
    }

    /** The records after the one of the batch "push" (none until it is read); the push itself is not headed as a tick. */
    private static List<ConsumerRecord<byte[], byte[]>> afterPush(List<ConsumerRecord<byte[], byte[]>> records, GatewayHarness h) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).headers().lastHeader(Topics.HEADER_TICK) == null) {
                assertThat(h.codec.decode(records.get(i).value()).getEventId()).isEqualTo("push");
                return records.subList(i + 1, records.size());
            }
        }
        return List.of();
    }

    @Test
    void aGroupDeleteIsWrittenOnceToEveryPartitionInOneTransactionEachCopyNamingItsPlace() throws Exception {
        String topic = "three-partitions";
        try (GatewayHarness h = new GatewayHarness(dir, Map.of())) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, h.kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            }
            try (KafkaBatchSink sink = new KafkaBatchSink(h.kafka.bootstrapServers(), Map.of(), topic, h.codec, Duration.ofSeconds(5));
                 KafkaConsumer<byte[], byte[]> committed = new KafkaConsumer<>(Map.of(
                         ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, h.kafka.bootstrapServers(),
                         ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                assertThat(eventually(sink::isReady)).isTrue();
                Instant emitted = Instant.ofEpochMilli(1_700_000_000_000L);
                MetricEventBatch delete = new MetricEventBatch("d1", new Source("j", null, null, null), emitted,
                        Operation.DELETE_GROUP, Map.of("instance", "a"), List.of());
                sink.write(delete, true).get();
                sink.write(batch("after"), true).get();
                // deletes arriving together are written together, each still once to every partition
                List<CompletableFuture<Void>> burst = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    burst.add(sink.write(new MetricEventBatch("burst-" + i, new Source("j", null, null, null), emitted,
                            Operation.DELETE_GROUP, Map.of("instance", "b" + i), List.of()), false));
                }
                for (CompletableFuture<Void> d : burst) {
                    d.get();
                }

                List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
                committed.assign(partitions);
                committed.seekToBeginning(partitions);
                List<ConsumerRecord<byte[], byte[]>> copies = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (copies.size() < 3 * 41 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : committed.poll(Duration.ofMillis(100))) {
                        if (h.codec.decode(r.value()).getOperation() == Operation.DELETE_GROUP) {
                            copies.add(r);
                        }
                    }
                }
                assertThat(copies).as("committed: visible to the engine's read_committed consumer").hasSize(3 * 41);
                Map<String, List<Integer>> partitionsById = new TreeMap<>();
                for (ConsumerRecord<byte[], byte[]> copy : copies) {
                    partitionsById.computeIfAbsent(h.codec.decode(copy.value()).getEventId(), id -> new ArrayList<>()).add(copy.partition());
                }
                assertThat(partitionsById).hasSize(41).allSatisfy((id, written) -> assertThat(written).containsExactlyInAnyOrder(0, 1, 2));
                copies.removeIf(copy -> !h.codec.decode(copy.value()).getEventId().equals("d1"));
                for (ConsumerRecord<byte[], byte[]> copy : copies) {
                    assertThat(DeleteCopy.parse(copy.headers().lastHeader(DeleteCopy.HEADER).value()))
                            .isEqualTo(new DeleteCopy(copy.partition(), 3));
                    assertThat(copy.timestamp()).as("the emit time: every copy meets the same checks").isEqualTo(emitted.toEpochMilli());
                    MetricEventBatch b = h.codec.decode(copy.value());
                    assertThat(b.getEventId()).isEqualTo("d1");
                    assertThat(b.getGroupingLabels()).isEqualTo(Map.of("instance", "a"));
                }
            }
        }
    }

    @Test
    void aBrokerThatGoesAwayFreezesNoConnectionAndItsPushesGet503() throws Exception {
        try (GatewayHarness h = new GatewayHarness(dir, Map.of("push.ack.timeout", "10s"))) {
            assertThat(h.pushText("POST", "/metrics/job/j", "g 1\n").statusCode()).isEqualTo(200);
            h.consumer.close(Duration.ZERO);
            h.kafka.close();
            // small plain pushes on connections of both event loops, written by a producer whose broker is gone (and
            // with it, soon, the topic's metadata)
            List<CompletableFuture<HttpResponse<String>>> pushes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                pushes.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return h.pushText("POST", "/metrics/job/j", "g 1\n");
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, h.executor));
            }
            Thread.sleep(300);
            // new connections meanwhile, on either event loop, are answered long before a send waiting for the
            // metadata (10 s, were it allowed to wait) or the acknowledgement would give up
            long start = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> other = h.http.send(HttpRequest.newBuilder(URI.create(h.url("/elsewhere")))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(other.statusCode()).isEqualTo(404);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no event loop was held").isLessThan(Duration.ofSeconds(5));
            for (CompletableFuture<HttpResponse<String>> p : pushes) {
                assertThat(p.get().statusCode()).as(p.get().body()).isEqualTo(503);
            }
        }
    }
}
