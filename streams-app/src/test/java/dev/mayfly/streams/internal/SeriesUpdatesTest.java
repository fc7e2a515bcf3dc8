package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
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
        Update back = (Update) serde.deserialize("t", bytes);
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
        Update delete = (Update) serde.deserialize("t", serde.serialize("t", Update.deleteGroup("d", 5, "fn", Map.of("a", "b"))));
        assertThat(delete.isDeleteGroup()).isTrue();
        assertThat(delete.job).isEqualTo("fn");
        assertThat(delete.groupingLabels).containsExactly(Map.entry("a", "b"));
    }

    private static Update counter(String eventId, long eventTime, double value) {
        return Update.point(eventId, eventTime, MetricType.COUNTER, Aggregation.SUM, false, null, Update.NO_START_TIME,
                value, null, null, null).withSource(1, eventTime);
    }

    @Test
    void aPackRoundTripsItsEntriesInOrderAndGoesToItsPartition() {
        SeriesUpdates.Builder b = new SeriesUpdates.Builder(4);
        b.add("a{job=\"x\"}", counter("e1", 300, 1));
        b.add("b{job=\"x\"}", counter("e2", 100, 2));
        b.add("a{job=\"x\"}", counter("e3", 200, 3));
        SeriesUpdates pack = b.build();
        assertThat(pack.earliestEventTime()).isEqualTo(100);
        assertThat(b.isEmpty()).isTrue();
        assertThat(partitioner.partitions("t", "a{job=\"x\"}", pack, 6)).contains(Set.of(4));

        SeriesUpdates back = (SeriesUpdates) serde.deserialize("t", serde.serialize("t", pack));
        List<String> seen = new ArrayList<>();
        back.forEach((key, u) -> seen.add(key + " " + u.eventId + " " + u.eventTime + " " + u.value + " " + u.sourceOffset));
        assertThat(seen).containsExactly("a{job=\"x\"} e1 300 1.0 300", "b{job=\"x\"} e2 100 2.0 100", "a{job=\"x\"} e3 200 3.0 200");
        assertThat(back.earliestEventTime()).isEqualTo(100);
    }

    private record Sent(String key, Routed value, long timestamp) {
    }

    @Test
    void thePackerSendsOneByOneUntilThePartitionCountIsKnownThenOnePackPerPartition() {
        List<Sent> sent = new ArrayList<>();
        SeriesUpdatesPacker packer = new SeriesUpdatesPacker(partitioner, (k, v, t) -> sent.add(new Sent(k, v, t)));
        Update first = counter("e0", 5, 1);
        first.seriesKey = "first";
        packer.add(first);
        assertThat(sent).containsExactly(new Sent("first", first, 5));

        partitioner.partitions("t", "first", first, 3); // the first send tells the count
        sent.clear();
        for (int i = 0; i < 30; i++) {
            Update u = counter("e" + i, 1000 - i, i);
            u.seriesKey = "s" + i;
            packer.add(u);
        }
        assertThat(sent).isEmpty(); // held until the flush
        packer.flush();
        assertThat(sent).hasSizeBetween(1, 3);
        int entries = 0;
        for (Sent s : sent) {
            SeriesUpdates pack = (SeriesUpdates) s.value();
            assertThat(SeriesUpdatePartitioner.partitionOf(s.key(), 3)).isEqualTo(pack.partition());
            List<Long> times = new ArrayList<>();
            pack.forEach((key, u) -> {
                assertThat(SeriesUpdatePartitioner.partitionOf(key, 3)).isEqualTo(pack.partition());
                times.add(u.eventTime);
            });
            assertThat(times).isSortedAccordingTo((x, y) -> Long.compare(y, x)); // the order they were added in
            assertThat(s.timestamp()).isEqualTo(times.get(times.size() - 1));
            entries += pack.count();
        }
        assertThat(entries).isEqualTo(30);
        sent.clear();
        packer.flush();
        assertThat(sent).isEmpty();
    }

    @Test
    void aFullPackGoesOutAtOnceAndClearDropsWhatIsHeld() {
        List<Sent> sent = new ArrayList<>();
        SeriesUpdatesPacker packer = new SeriesUpdatesPacker(partitioner, (k, v, t) -> sent.add(new Sent(k, v, t)));
        partitioner.partitions("t", "k", counter("e", 1, 1), 1);
        String help = "h".repeat(1000);
        int added = 0;
        while (sent.isEmpty()) {
            Update u = Update.point("e" + added, 1, MetricType.COUNTER, Aggregation.SUM, false, null, Update.NO_START_TIME,
                    1, null, help, null);
            u.seriesKey = "s" + added;
            packer.add(u);
            added++;
        }
        SeriesUpdates full = (SeriesUpdates) sent.get(0).value();
        assertThat(full.count()).isEqualTo(added);
        assertThat(full.entries().length).isBetween(SeriesUpdatesPacker.MAX_PACK_BYTES, SeriesUpdatesPacker.MAX_PACK_BYTES + 2000);
        Update held = counter("late", 2, 1);
        held.seriesKey = "late";
        packer.add(held);
        packer.clear();
        packer.flush();
        assertThat(sent).hasSize(1);
    }
}
