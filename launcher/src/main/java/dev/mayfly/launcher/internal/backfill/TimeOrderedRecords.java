package dev.mayfly.launcher.internal.backfill;

import dev.mayfly.launcher.internal.topics.PartitionRange;
import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.launcher.internal.topics.RangeException;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The records of a {@link TopicRange} in one sequence ordered by record timestamp across partitions (ties by
 * partition; within a partition, offset order, which is timestamp order but for a late resend): a merge of one
 * consumer per partition, so that memory holds one poll of each partition, whatever the range's length.
 */
final class TimeOrderedRecords implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final List<Partition> partitions = new ArrayList<>();
    private final PriorityQueue<Partition> heads = new PriorityQueue<>(
            Comparator.<Partition>comparingLong(p -> p.head().timestamp()).thenComparingInt(p -> p.range.partition().partition()));
    private final Duration stallTimeout;

    TimeOrderedRecords(Settings settings, TopicRange range, Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
        for (PartitionRange p : range.partitions()) {
            if (p.size() > 0) {
                KafkaConsumer<byte[], byte[]> consumer = RangeConsumers.create(settings, "mayfly-backfill-" + p.partition().partition());
                partitions.add(new Partition(p, consumer));
                consumer.assign(List.of(p.partition()));
                consumer.seek(p.partition(), p.start());
            }
        }
        for (Partition p : partitions) {
            if (p.fill()) {
                heads.add(p);
            }
        }
    }

    /** The next record by timestamp, or null at the end of the range. */
    ConsumerRecord<byte[], byte[]> next() {
        Partition p = heads.poll();
        if (p == null) {
            return null;
        }
        ConsumerRecord<byte[], byte[]> record = p.buffer.removeFirst();
        if (p.fill()) {
            heads.add(p);
        }
        return record;
    }

    /** Offsets of the range read so far. */
    long offsetsRead() {
        long read = 0;
        for (Partition p : partitions) {
            read += p.read;
        }
        return read;
    }

    @Override
    public void close() {
        partitions.forEach(p -> p.consumer.close(Duration.ofSeconds(1)));
    }

    private final class Partition {
        final PartitionRange range;
        final KafkaConsumer<byte[], byte[]> consumer;
        final ArrayDeque<ConsumerRecord<byte[], byte[]>> buffer = new ArrayDeque<>();
        long position;
        long read;

        Partition(PartitionRange range, KafkaConsumer<byte[], byte[]> consumer) {
            this.range = range;
            this.consumer = consumer;
            this.position = range.start();
        }

        ConsumerRecord<byte[], byte[]> head() {
            return buffer.peekFirst();
        }

        /** Polls until a record of the range is buffered or the range's end is reached; false at the end. */
        boolean fill() {
            long lastAdvance = System.nanoTime();
            while (buffer.isEmpty() && position < range.end()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (r.offset() < range.end()) {
                        buffer.addLast(r);
                    }
                }
                long now = Math.min(consumer.position(range.partition()), range.end());
                if (now > position) {
                    position = now;
                    lastAdvance = System.nanoTime();
                } else if (System.nanoTime() - lastAdvance > stallTimeout.toNanos()) {
                    throw new RangeException("reading " + range.partition() + " made no progress for "
                            + stallTimeout.toSeconds() + " s; is the cluster still up?");
                }
            }
            read = buffer.isEmpty() ? range.end() - range.start() : buffer.peekFirst().offset() - range.start();
            return !buffer.isEmpty();
        }
    }
}
