package dev.mayfly.exporter.internal;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How far the streams engine is behind the events topic, measured from Kafka alone: the events accepted (committed to
 * the events topic) that the engine's consumer group has not committed yet, and the age of the oldest of them (now
 * minus its record timestamp, which the gateway and the producer library set when they send it). Kafka is the
 * buffer, so under overload the gateway keeps accepting while these grow; alert on them. Measured by {@link #refresh}
 * (call it from one thread, every few seconds), read by any thread.
 */
public final class EngineLag implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineLag.class);

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> peek;
    private final String eventsTopic;
    private final String group;
    private final LongSupplier clockMillis;
    private volatile double events = Double.NaN;
    private volatile double seconds = Double.NaN;

    /** @param kafka bootstrap servers and client overrides; @param group the engine's consumer group (its application id) */
    public EngineLag(Map<String, Object> kafka, String eventsTopic, String group, LongSupplier clockMillis) {
        this.admin = Admin.create(kafka);
        Map<String, Object> consumer = new HashMap<>(kafka);
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        consumer.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024); // one record per partition is enough
        consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.peek = new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.eventsTopic = eventsTopic;
        this.group = group;
        this.clockMillis = clockMillis;
    }

    /** Events not yet processed by the engine; NaN until measured or when the last measurement failed. */
    public double events() {
        return events;
    }

    /** Age in seconds of the oldest event not yet processed (0 when none); NaN until measured or on failure. */
    public double seconds() {
        return seconds;
    }

    /** Measures both; on failure (broker unreachable, group unknown) both become NaN until the next success. */
    public void refresh() {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            List<TopicPartition> partitions = admin.describeTopics(List.of(eventsTopic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(eventsTopic).partitions().stream().map(p -> new TopicPartition(eventsTopic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            long behind = 0;
            Map<TopicPartition, Long> firstUnprocessed = new HashMap<>();
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                long from = c == null ? earliest(tp) : c.offset();
                long lag = Math.max(0, ends.getOrDefault(tp, 0L) - from);
                if (lag > 0) {
                    behind += lag;
                    firstUnprocessed.put(tp, from);
                }
            }
            double oldestAge = firstUnprocessed.isEmpty() ? 0 : oldestAgeSeconds(firstUnprocessed);
            events = behind;
            seconds = oldestAge;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.debug("cannot measure the engine's lag: {}", e.toString());
            events = Double.NaN;
            seconds = Double.NaN;
        }
    }

    private long earliest(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get(10, TimeUnit.SECONDS).get(tp).offset();
    }

    /** Now minus the oldest timestamp of the records at {@code offsets}; 0 when none can be read within a second. */
    private double oldestAgeSeconds(Map<TopicPartition, Long> offsets) {
        peek.assign(offsets.keySet());
        offsets.forEach(peek::seek);
        Map<TopicPartition, Long> timestamps = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (timestamps.size() < offsets.size() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : peek.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (!timestamps.containsKey(tp)) {
                    timestamps.put(tp, r.timestamp());
                    peek.pause(List.of(tp));
                }
            }
        }
        peek.resume(peek.paused());
        long oldest = timestamps.values().stream().mapToLong(Long::longValue).min().orElse(clockMillis.getAsLong());
        return Math.max(0, clockMillis.getAsLong() - oldest) / 1000.0;
    }

    @Override
    public void close() {
        peek.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}
