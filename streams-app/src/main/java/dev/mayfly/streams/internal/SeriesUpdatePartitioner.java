package dev.mayfly.streams.internal;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Partitions the series-updates topic: a point contribution goes to the partition of its series key (murmur2,
 * like Kafka's default); a pack ({@link SeriesUpdates}) to the partition its entries were packed for; a group delete
 * goes to every partition, since the series of a group are spread over all.
 *
 * <p>The topic's partition count is known only when Kafka Streams sends the first record: the partitioner remembers
 * it ({@link #knownPartitions}), and the ingest step packs only once it is known. Thread-safe: one instance serves
 * every task of a topology; the count of an internal topic never changes while the application runs.
 */
public final class SeriesUpdatePartitioner implements StreamPartitioner<String, Routed> {
    private volatile int knownPartitions;

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Routed value, int numPartitions) {
        knownPartitions = numPartitions;
        if (value instanceof SeriesUpdates pack) {
            if (pack.partition() >= numPartitions) {
                throw new IllegalStateException("series updates packed for partition " + pack.partition()
                        + " of a topic with " + numPartitions + " partitions");
            }
            return Optional.of(Set.of(pack.partition()));
        }
        if (value instanceof Update u && u.isDeleteGroup()) {
            Set<Integer> all = new HashSet<>();
            for (int p = 0; p < numPartitions; p++) {
                all.add(p);
            }
            return Optional.of(all);
        }
        return Optional.of(Set.of(partitionOf(key, numPartitions)));
    }

    /** The partition count seen at the last send; 0 before the first. */
    int knownPartitions() {
        return knownPartitions;
    }

    /** The partition of a series key among {@code numPartitions}. */
    static int partitionOf(String seriesKey, int numPartitions) {
        return partitionOf(seriesKey.getBytes(StandardCharsets.UTF_8), numPartitions);
    }

    /** The partition of a series key, given as its UTF-8 bytes, among {@code numPartitions}. */
    static int partitionOf(byte[] seriesKeyUtf8, int numPartitions) {
        return Utils.toPositive(Utils.murmur2(seriesKeyUtf8)) % numPartitions;
    }
}
