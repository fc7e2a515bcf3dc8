package dev.mayfly.launcher.internal.topics;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads every record of a {@link TopicRange}, partition by partition in offset order (partitions interleaved), and
 * stops when each partition's position reached the range's end (transaction markers and aborted records count as
 * read) or the sink asks to stop. Reports progress in offsets of the range.
 */
public final class TopicRangeReader {
    /** Receives the records of the range. */
    public interface Sink<K, V> {
        /** Handles one record of the range; false stops the read (say, a limit is reached). */
        boolean accept(ConsumerRecord<K, V> record) throws Exception;
    }

    private static final Duration POLL = Duration.ofMillis(200);

    private TopicRangeReader() {
    }

    /**
     * Reads {@code range} with {@code consumer} (assigned here; no consumer group, nothing committed), handing each
     * record to {@code sink}, counting it in {@code progress} with the offsets read so far.
     *
     * @throws RangeException when no partition advances for {@code stallTimeout} (the cluster went away)
     */
    public static <K, V> void read(Consumer<K, V> consumer, TopicRange range, Sink<K, V> sink, ProgressReporter progress,
                                   Duration stallTimeout) throws Exception {
        Map<TopicPartition, PartitionRange> open = new HashMap<>();
        range.partitions().stream().filter(p -> p.size() > 0).forEach(p -> open.put(p.partition(), p));
        Map<TopicPartition, Long> done = new HashMap<>();
        consumer.assign(open.keySet());
        open.values().forEach(p -> consumer.seek(p.partition(), p.start()));
        long lastAdvance = System.nanoTime();
        long read = 0;
        while (!open.isEmpty()) {
            ConsumerRecords<K, V> records = consumer.poll(POLL);
            for (ConsumerRecord<K, V> record : records) {
                PartitionRange p = open.get(new TopicPartition(record.topic(), record.partition()));
                if (p == null || record.offset() >= p.end()) {
                    continue;
                }
                progress.record();
                if (!sink.accept(record)) {
                    progress.update(read + (record.offset() + 1 - p.start()));
                    return;
                }
            }
            long before = read;
            read = 0;
            for (PartitionRange p : range.partitions()) {
                if (open.containsKey(p.partition())) {
                    long position = Math.min(consumer.position(p.partition()), p.end());
                    done.put(p.partition(), position - p.start());
                    if (position >= p.end()) {
                        open.remove(p.partition());
                    }
                }
                read += done.getOrDefault(p.partition(), 0L);
            }
            if (open.size() < consumer.assignment().size()) {
                consumer.assign(open.keySet());
            }
            if (read > before) {
                lastAdvance = System.nanoTime();
            } else if (System.nanoTime() - lastAdvance > stallTimeout.toNanos()) {
                throw new RangeException("reading " + range.topic() + " made no progress for " + stallTimeout.toSeconds()
                        + " s (" + read + " of " + range.size() + " offsets read); is the cluster still up?");
            }
            progress.update(read);
        }
    }
}
