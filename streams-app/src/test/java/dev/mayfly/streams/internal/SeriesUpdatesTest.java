package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The internal series-updates records: their compact serde and their partitioning. */
class SeriesUpdatesTest {
    private final UpdateSerde serde = new UpdateSerde();
    private final SeriesUpdatePartitioner partitioner = new SeriesUpdatePartitioner();

    @Test
    void groupDeletesGoToEveryPartitionAndPointsToTheOneOfTheirSeries() {
        Update delete = Update.deleteGroup("d", 1, "fn", Map.of("a", "b"));
        assertThat(partitioner.partitions("t", "fn", delete, 6)).contains(Set.of(0, 1, 2, 3, 4, 5));
        Update point = Update.point("e", 1, MetricType.COUNTER, Aggregation.SUM, false, null, Update.NO_START_TIME, 1, null, null, null);
        Set<Integer> one = partitioner.partitions("t", "c{job=\"fn\"}", point, 6).orElseThrow();
        assertThat(one).hasSize(1);
        assertThat(partitioner.partitions("t", "c{job=\"fn\"}", point, 6)).contains(one);
    }

    @Test
    void theSerdeRoundTripsEveryFieldCompactly() {
        Histogram h = new Histogram(new double[]{0.5, 1}, new long[]{1, 2, 3}, 4.5, 6);
        Update u = Update.point("event-1", 1_700_000_000_000L, MetricType.HISTOGRAM, Aggregation.SUM, true, "stream",
                1_699_999_000_000L, 0, h, "help", "seconds").withSource(3, 12345);
        byte[] bytes = serde.serialize("t", u);
        Update back = serde.deserialize("t", bytes);
        assertThat(back.eventId).isEqualTo("event-1");
        assertThat(back.eventTime).isEqualTo(1_700_000_000_000L);
        assertThat(back.type).isEqualTo(MetricType.HISTOGRAM);
        assertThat(back.cumulative).isTrue();
        assertThat(back.streamId).isEqualTo("stream");
        assertThat(back.startTime).isEqualTo(1_699_999_000_000L);
        assertThat(back.histogram.counts).containsExactly(1, 2, 3);
        assertThat(back.histogram.bounds).containsExactly(0.5, 1);
        assertThat(back.histogram.sum).isEqualTo(4.5);
        assertThat(back.help).isEqualTo("help");
        assertThat(back.unit).isEqualTo("seconds");
        assertThat(back.sourcePartition).isEqualTo(3);
        assertThat(back.sourceOffset).isEqualTo(12345);
        Update counter = Update.point("e", 1_700_000_000_000L, MetricType.COUNTER, Aggregation.SUM, false, null,
                Update.NO_START_TIME, 2.5, null, null, null);
        assertThat(serde.serialize("t", counter).length).isLessThan(40);
        Update delete = serde.deserialize("t", serde.serialize("t", Update.deleteGroup("d", 5, "fn", Map.of("a", "b"))));
        assertThat(delete.isDeleteGroup()).isTrue();
        assertThat(delete.job).isEqualTo("fn");
        assertThat(delete.groupingLabels).containsExactly(Map.entry("a", "b"));
    }
}
