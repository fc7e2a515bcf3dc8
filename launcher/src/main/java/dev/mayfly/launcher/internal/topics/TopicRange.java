package dev.mayfly.launcher.internal.topics;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The offsets of a topic between two record timestamps, per partition: from the first record at or after
 * {@code from} (the partition's beginning when absent) up to, not including, the first record at or after {@code to}
 * (when absent: the end offsets as seen when the range is resolved, so a read of the range ends even while producers
 * keep writing). Offsets are found with {@code offsetsForTimes}. Immutable.
 */
public final class TopicRange {
    private final String topic;
    private final List<PartitionRange> partitions;

    private TopicRange(String topic, List<PartitionRange> partitions) {
        this.topic = topic;
        this.partitions = List.copyOf(partitions);
    }

    /**
     * Resolves the range of {@code topic} between {@code fromOrNull} and {@code toOrNull} with {@code consumer}
     * (which should read committed records only), waiting at most {@code timeout} for each answer of the cluster.
     *
     * @throws RangeException when the cluster does not answer within {@code timeout} (naming {@code bootstrapServers})
     *     or the topic does not exist (naming it)
     */
    public static TopicRange resolve(Consumer<?, ?> consumer, String bootstrapServers, String topic,
                                     Instant fromOrNull, Instant toOrNull, Duration timeout) {
        try {
            List<TopicPartition> tps = partitions(consumer, topic, timeout);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
            Map<TopicPartition, Long> starts = fromOrNull == null ? begin : offsetsAt(consumer, tps, fromOrNull, end, timeout);
            Map<TopicPartition, Long> ends = toOrNull == null ? end : offsetsAt(consumer, tps, toOrNull, end, timeout);
            List<PartitionRange> out = new ArrayList<>();
            for (TopicPartition tp : tps) {
                long stop = Math.min(ends.get(tp), end.get(tp));
                long start = Math.min(Math.max(starts.get(tp), begin.get(tp)), stop);
                out.add(new PartitionRange(tp, start, stop));
            }
            return new TopicRange(topic, out);
        } catch (TimeoutException e) {
            throw RangeException.unreachable(bootstrapServers, timeout, e);
        }
    }

    private static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic, Duration timeout) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, timeout);
        } catch (UnknownTopicOrPartitionException e) {
            infos = List.of();
        }
        if (infos == null || infos.isEmpty()) {
            throw new RangeException("topic '" + topic + "' does not exist");
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    /** Per partition, the first offset whose timestamp is at or after {@code time}; the end offset when none is. */
    private static Map<TopicPartition, Long> offsetsAt(Consumer<?, ?> consumer, List<TopicPartition> tps, Instant time,
                                                       Map<TopicPartition, Long> end, Duration timeout) {
        Map<TopicPartition, Long> query = new HashMap<>();
        tps.forEach(tp -> query.put(tp, time.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : tps) {
            OffsetAndTimestamp at = found.get(tp);
            out.put(tp, at == null ? end.get(tp) : at.offset());
        }
        return out;
    }

    public String topic() {
        return topic;
    }

    /** Every partition of the topic, in partition order (empty ones too). */
    public List<PartitionRange> partitions() {
        return partitions;
    }

    /** Offsets in the range over every partition: the denominator of progress. */
    public long size() {
        return partitions.stream().mapToLong(PartitionRange::size).sum();
    }
}
