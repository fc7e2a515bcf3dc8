package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.DecodeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Materializes the committed aggregates topic into the {@link SeriesStore}.
 *
 * <p>Contract: reads with {@code isolation.level=read_committed}, so values of aborted or still-open transactions
 * are never stored; assigns the configured partitions (all when none are configured) without a consumer group,
 * from the beginning. A tombstone removes its series. A record that does not decode, or cannot be served, is
 * skipped and counted by reason; the previous value of its series stays. {@link #isCaughtUp()} turns true once
 * every assigned partition has been read up to the end offset seen at start (for read_committed, the last stable
 * offset) and stays true, unless the store has to be rebuilt (below).
 *
 * <p>Why the first view served is never partial, also right after a crash of the process that wrote the topic:
 * the target is the last stable offset of every partition, so everything committed before it is read before
 * {@link #isCaughtUp()}; a transaction the crashed writer left open lies entirely after it (the LSO stops at its
 * first record) and only ever held values no exporter served, since nothing uncommitted is read. Compaction keeps the
 * newest committed value of every key (the cleaner never cleans past the first unstable offset and skips aborted
 * batches), and a tombstone is only removed after {@code delete.retention.ms}, so reading the compacted log from the
 * beginning gives the same last value per key as reading it live. What a restart does reset is the process's own
 * counters (mayfly_gateway_*, mayfly_exporter_*, jvm_*), which are not from this topic.
 *
 * <p>If a partition's position falls outside its log (the log was truncated under it, or its start moved past it),
 * records are not re-read from the beginning over the current store, which would serve older values over newer
 * ones: the store is emptied, rebuilt from the beginning, and the exporter is not ready until it caught up again.
 */
public final class AggregatesConsumer implements Runnable {
    private volatile boolean failed;
    private static final Logger LOG = LoggerFactory.getLogger(AggregatesConsumer.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Map<String, Object> consumerProperties;
    private final String topic;
    private final List<Integer> partitions;
    private final AvroCodec<Aggregate> codec;
    private final SeriesStore store;
    private final SeriesFactory factory = new SeriesFactory();
    private final ExporterMetrics metrics;
    private volatile boolean caughtUp;
    private volatile boolean closing;
    private volatile KafkaConsumer<String, byte[]> consumer;

    /**
     * @param consumerProperties Kafka consumer properties; the isolation level, offset commits and deserializers
     *                           are set here and override what is given
     * @param partitions         partitions to serve; empty means all partitions of the topic
     */
    public AggregatesConsumer(Map<String, Object> consumerProperties, String topic, List<Integer> partitions,
                              AvroCodec<Aggregate> codec, SeriesStore store, ExporterMetrics metrics) {
        Map<String, Object> props = new HashMap<>(consumerProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"); // positions are set explicitly; out of range rebuilds
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "mayfly-exporter");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumerProperties = props;
        this.topic = topic;
        this.partitions = List.copyOf(partitions);
        this.codec = codec;
        this.store = store;
        this.metrics = metrics;
    }

    public boolean isCaughtUp() {
        return caughtUp && !failed;
    }

    /** True once the consumer stopped on an unexpected error: the store no longer follows the topic. */
    public boolean hasFailed() {
        return failed;
    }

    @Override
    public void run() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            if (closing) {
                return;
            }
            List<TopicPartition> assigned = awaitPartitions(c);
            if (assigned.isEmpty()) {
                return;
            }
            c.assign(assigned);
            Map<TopicPartition, Long> target = readFromTheBeginning(c, assigned);
            while (!closing) {
                try {
                    for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                        apply(r.key(), r.value());
                    }
                    for (TopicPartition tp : assigned) {
                        OptionalLong lag = c.currentLag(tp);
                        if (lag.isPresent()) {
                            metrics.lag(tp, lag.getAsLong());
                        }
                    }
                    if (!caughtUp && reached(c, target)) {
                        caughtUp = true;
                        LOG.info("caught up with {}: {} series", topic, store.size());
                    }
                } catch (WakeupException | InterruptException e) {
                    throw e;
                } catch (InvalidOffsetException e) {
                    LOG.warn("positions {} are outside the log of {}; rebuilding the store from the beginning (not ready until caught up)",
                            e.partitions(), topic);
                    caughtUp = false;
                    store.clear();
                    target = readFromTheBeginning(c, assigned);
                } catch (KafkaException e) {
                    LOG.warn("reading {} failed, retrying: {}", topic, e.toString());
                    sleep(1000);
                }
            }
        } catch (WakeupException | InterruptException e) {
            if (!closing) {
                failed = true;
                LOG.error("{} stopped unexpectedly; its view of {} is no longer ready", consumerProperties.get(ConsumerConfig.CLIENT_ID_CONFIG), topic, e);
            }
        } catch (RuntimeException e) {
            failed = true;
            LOG.error("{} failed; its view of {} is no longer ready or healthy", consumerProperties.get(ConsumerConfig.CLIENT_ID_CONFIG), topic, e);
        }
    }

    private Map<TopicPartition, Long> readFromTheBeginning(KafkaConsumer<String, byte[]> c, List<TopicPartition> assigned) {
        c.seekToBeginning(assigned);
        Map<TopicPartition, Long> target = c.endOffsets(assigned);
        LOG.info("reading {} partition(s) of {} up to {} before serving", assigned.size(), topic, target);
        return target;
    }

    /** Applies one record of the aggregates topic to the store. Never throws for bad content. */
    public void apply(String key, byte[] value) {
        metrics.recordConsumed();
        if (key == null) {
            metrics.rejected("no_key");
            return;
        }
        if (value == null) {
            metrics.tombstone();
            String name = SeriesKey.metricName(key);
            try {
                store.remove(name, LabelPart.of(key, name));
            } catch (IllegalArgumentException e) {
                metrics.rejected("malformed_key");
            }
            return;
        }
        try {
            SeriesFactory.Accepted accepted = factory.accept(key, codec.decode(value));
            store.put(accepted.metricName(), accepted.labelPart(), accepted.series());
        } catch (DecodeException e) {
            metrics.rejected(e.reason());
            LOG.debug("skipping aggregate {}: {}", key, e.getMessage());
        } catch (RejectedAggregateException e) {
            metrics.rejected(e.reason());
            LOG.debug("skipping aggregate {}: {}", key, e.getMessage());
        } catch (RuntimeException e) {
            metrics.rejected("invalid");
            LOG.debug("skipping aggregate {}: {}", key, e.toString());
        }
    }

    /** Stops reading; safe from any thread. */
    public void close() {
        closing = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<String, byte[]> c) {
        while (!closing) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(topic, Duration.ofSeconds(5));
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                infos = List.of();
            }
            if (infos != null && !infos.isEmpty()) {
                Set<Integer> existing = new TreeSet<>();
                infos.forEach(i -> existing.add(i.partition()));
                List<TopicPartition> chosen = new ArrayList<>();
                for (int p : partitions.isEmpty() ? existing : partitions) {
                    if (existing.contains(p)) {
                        chosen.add(new TopicPartition(topic, p));
                    } else {
                        LOG.warn("topic {} has no partition {} (it has {}); not serving it", topic, p, existing);
                    }
                }
                if (!chosen.isEmpty()) {
                    return chosen;
                }
            }
            LOG.warn("waiting for topic {} (partitions {}) to exist", topic, partitions.isEmpty() ? "all" : partitions);
            sleep(1000);
        }
        return List.of();
    }

    private static boolean reached(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> e : target.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }
}
