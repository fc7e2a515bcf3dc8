package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The newest dead letters, for the status page: a consumer of the dead-letter topic (committed records only, no
 * group, nothing committed) that starts {@link #KEPT} records before the end of each partition and keeps the
 * {@link #KEPT} newest it has read. One thread runs it; {@link #recent()} may be called from any thread.
 */
public final class DeadLetterTail implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTail.class);
    static final int KEPT = 20;
    private static final Duration TOPIC_RETRY = Duration.ofSeconds(5);

    /** One dead letter as the page shows it; {@code job} is null when its value cannot be decoded. */
    public record Entry(Instant timestamp, String reason, String detail, String job, String source) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final AvroCodec<MetricEventBatch> codec;
    private final ArrayDeque<Entry> newest = new ArrayDeque<>();
    private volatile boolean closed;

    public DeadLetterTail(Map<String, Object> kafka, String topic, AvroCodec<MetricEventBatch> codec) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "mayfly-exporter-dead-letters");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.codec = codec;
    }

    /** The newest dead letters read, newest first. */
    public synchronized List<Entry> recent() {
        List<Entry> out = new ArrayList<>(newest);
        out.sort(Comparator.comparing(Entry::timestamp).reversed());
        return out;
    }

    @Override
    public void run() {
        try {
            while (!closed && !assign()) {
                Thread.sleep(TOPIC_RETRY.toMillis());
            }
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    keep(entry(r));
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.warn("reading the dead-letter topic {} stopped: {}", topic, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Assigns every partition, each from {@link #KEPT} records before its end; false while the topic does not exist. */
    private boolean assign() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            return false;
        }
        List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(partitions);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
        consumer.endOffsets(partitions).forEach((tp, end) -> consumer.seek(tp, Math.max(begin.get(tp), end - KEPT)));
        return true;
    }

    private synchronized void keep(Entry e) {
        newest.addLast(e);
        while (newest.size() > KEPT) {
            newest.removeFirst();
        }
    }

    private Entry entry(ConsumerRecord<byte[], byte[]> r) {
        String job = null;
        if (r.value() != null) {
            try {
                job = codec.decode(r.value()).getSource().getJob();
            } catch (RuntimeException e) {
                // undecodable bytes are a reason of their own; the page shows no job for them
            }
        }
        String source = header(r, Topics.HEADER_SOURCE_TOPIC) + "/" + header(r, Topics.HEADER_SOURCE_PARTITION)
                + "@" + header(r, Topics.HEADER_SOURCE_OFFSET);
        return new Entry(Instant.ofEpochMilli(r.timestamp()), header(r, Topics.HEADER_REASON), header(r, Topics.HEADER_DETAIL), job, source);
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
    }
}
