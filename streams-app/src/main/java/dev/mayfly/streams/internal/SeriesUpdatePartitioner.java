package dev.mayfly.streams.internal;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Partitions the series-updates topic: a point contribution goes to the partition of its series key (murmur2,
 * like Kafka's default); a group delete goes to every partition, since the series of a group are spread over all.
 */
public final class SeriesUpdatePartitioner implements StreamPartitioner<String, Update> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Update value, int numPartitions) {
        if (value != null && value.isDeleteGroup()) {
            Set<Integer> all = new HashSet<>();
            for (int p = 0; p < numPartitions; p++) {
                all.add(p);
            }
            return Optional.of(all);
        }
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % numPartitions));
    }
}
