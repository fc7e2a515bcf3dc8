package dev.mayfly.launcher.internal.topics;

import org.apache.kafka.common.TopicPartition;

/** The offsets {@code [start, end)} of one partition a range covers. */
public record PartitionRange(TopicPartition partition, long start, long end) {
    /** Offsets in the range (records plus any transaction markers among them). */
    public long size() {
        return Math.max(0, end - start);
    }
}
