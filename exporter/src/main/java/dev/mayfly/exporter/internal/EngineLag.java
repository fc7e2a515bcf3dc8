package dev.mayfly.exporter.internal;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
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
 * (call it from one thread, every {@code interval}), read by any thread. A measurement that cannot finish within its
 * budget (the interval, at most 10 s) fails, and a value is served only while it is fresh (measured within the
 * interval plus the budget): while the broker is unreachable the gauges say NaN, never an old figure that stopped
 * growing.
 */
public final class EngineLag implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineLag.class);

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> peek;
    private final String eventsTopic;
    private final String group;
    private final LongSupplier clockMillis;
    private final long budgetMillis;
    private final long maxAgeMillis;
    private volatile double events = Double.NaN;
    private volatile double seconds = Double.NaN;
    private volatile long measuredAtMillis;

    /**
     * @param kafka    bootstrap servers and client overrides
     * @param group    the engine's consumer group (its application id)
     * @param interval how often {@link #refresh} is called
     */
    public EngineLag(Map<String, Object> kafka, String eventsTopic, String group, Duration interval, LongSupplier clockMillis) {
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
        this.budgetMillis = Math.max(1000, Math.min(interval.toMillis(), 10_000));
        this.maxAgeMillis = interval.toMillis() + budgetMillis + 2000; // the peek at the oldest record, the scheduler
    }

    /** Events not yet processed by the engine; NaN until measured, when the last measurement failed, or when stale. */
    public double events() {
        return isFresh() ? events : Double.NaN;
    }

    /** Age in seconds of the oldest event not yet processed (0 when none); NaN as {@link #events()} is. */
    public double seconds() {
        return isFresh() ? seconds : Double.NaN;
    }

    private boolean isFresh() {
        return clockMillis.getAsLong() - measuredAtMillis <= maxAgeMillis;
    }

    /**
     * Measures both within the budget; on failure (broker unreachable, group unknown, out of time) both become NaN
     * until the next success.
     */
    public void refresh() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group,
                            new ListConsumerGroupOffsetsOptions().timeoutMs(remainingMillis(deadline)))
                    .partitionsToOffsetAndMetadata().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            List<TopicPartition> partitions = admin.describeTopics(List.of(eventsTopic),
                            new DescribeTopicsOptions().timeoutMs(remainingMillis(deadline)))
                    .allTopicNames().get(remainingMillis(deadline), TimeUnit.MILLISECONDS)
                    .get(eventsTopic).partitions().stream().map(p -> new TopicPartition(eventsTopic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED).timeoutMs(remainingMillis(deadline)))
                    .all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            long behind = 0;
            Map<TopicPartition, Long> firstUnprocessed = new HashMap<>();
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                long from = c == null ? earliest(tp, deadline) : c.offset();
                long lag = Math.max(0, ends.getOrDefault(tp, 0L) - from);
                if (lag > 0) {
                    behind += lag;
                    firstUnprocessed.put(tp, from);
                }
            }
            double oldestAge = firstUnprocessed.isEmpty() ? 0 : oldestAgeSeconds(firstUnprocessed);
            events = behind;
            seconds = oldestAge;
            measuredAtMillis = clockMillis.getAsLong();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.debug("cannot measure the engine's lag: {}", e.toString());
            events = Double.NaN;
            seconds = Double.NaN;
        }
    }

    private long earliest(TopicPartition tp, long deadline) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.earliest()), new ListOffsetsOptions().timeoutMs(remainingMillis(deadline)))
                .all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS).get(tp).offset();
    }

    /** What is left of the budget, at least 1 ms (an admin call with no time left fails at once). */
    private static int remainingMillis(long deadlineNanos) {
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
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
