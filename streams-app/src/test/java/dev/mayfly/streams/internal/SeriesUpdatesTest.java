package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The internal series-updates records: their compact serde and their partitioning. */
class SeriesUpdatesTest {
    private final UpdateSerde serde = new UpdateSerde();
    private final SeriesUpdatePartitioner partitioner = new SeriesUpdatePartitioner();

    @Test
    void groupDeletesGoToEveryPartitionAndPointsToTheOneOfTheirSeries() {
        Update delete = Update.deleteGroup("d", 1, "fn", Map.of("a", "b"), 0);
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
        Update delete = (Update) serde.deserialize("t", serde.serialize("t", Update.deleteGroup("d", 5, "fn", Map.of("a", "b"), 6).withSource(2, 7)));
        assertThat(delete.isDeleteGroup()).isTrue();
        assertThat(delete.deleteCopies).isEqualTo(6);
        // what an engine of the previous version reads (version 2) is written unless a delete's copies are counted
        assertThat(serde.serialize("t", counter)[0]).isEqualTo((byte) 2);
        assertThat(serde.serialize("t", Update.deleteGroup("d", 5, "fn", Map.of(), 0))[0]).isEqualTo((byte) 2);
        assertThat(((Update) serde.deserialize("t", serde.serialize("t", Update.deleteGroup("d", 5, "fn", Map.of(), 0)))).deleteCopies).isZero();
        assertThat(delete.sourcePartition).isEqualTo(2);
        assertThat(delete.job).isEqualTo("fn");
        assertThat(delete.groupingLabels).containsExactly(Map.entry("a", "b"));
    }

    private static Update counter(String eventId, long eventTime, double value) {
        return Update.point(eventId, eventTime, MetricType.COUNTER, Aggregation.SUM, false, null, Update.NO_START_TIME,
                value, null, null, null).withSource(1, eventTime);
    }

    /** Series keys that the partitioner sends to {@code partition} of {@code partitions}. */
    private static List<String> keysOf(int partition, int partitions, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < n; i++) {
            String key = "c{job=\"x\",i=\"" + i + "\"}";
            if (SeriesUpdatePartitioner.partitionOf(key, partitions) == partition) {
                keys.add(key);
            }
        }
        return keys;
    }

    @Test
    void aPackRoundTripsItsEntriesInOrderAndGoesToItsPartition() {
        List<String> keys = keysOf(4, 6, 3);
        SeriesUpdates.Builder b = new SeriesUpdates.Builder(4);
        b.add(keys.get(0), counter("e1", 300, 1));
        b.add(keys.get(1), counter("e2", 500, 2));
        b.add(keys.get(0), counter("e3", 200, 3));
        SeriesUpdates pack = b.build();
        assertThat(pack.latestEventTime()).isEqualTo(500); // the newest, neither the first nor the last added
        assertThat(b.isEmpty()).isTrue();
        assertThat(partitioner.partitions("t", keys.get(0), pack, 6)).contains(Set.of(4));
        assertThat(partitioner.partitions("t", keys.get(0), counter("e", 1, 1), 6)).contains(Set.of(4));

        SeriesUpdates back = (SeriesUpdates) serde.deserialize("t", serde.serialize("t", pack));
        List<String> seen = new ArrayList<>();
        back.forEach((key, u) -> seen.add(key + " " + u.eventId + " " + u.eventTime + " " + u.value + " " + u.sourceOffset));
        assertThat(seen).containsExactly(keys.get(0) + " e1 300 1.0 300", keys.get(1) + " e2 500 2.0 500",
                keys.get(0) + " e3 200 3.0 200");
        assertThat(back.latestEventTime()).isEqualTo(500);
    }

    @Test
    void aRecordOfTheFirstFormatIsStillRead() {
        // version 1: no span of merged event times
        byte[] v1 = new Binary.Writer(64).writeByte(1).writeByte(0).writeString("old").writeLong(1_000).writeInt(2)
                .writeLong(77).writeByte(MetricType.COUNTER.ordinal()).writeByte(Aggregation.SUM.ordinal()).writeByte(0)
                .writeString(null).writeLong(Update.NO_START_TIME).writeDouble(4.5).writeString("help").writeString(null)
                .writeByte(0).toByteArray();
        Update u = (Update) serde.deserialize("t", v1);
        assertThat(u.eventId).isEqualTo("old");
        assertThat(u.eventTime).isEqualTo(1_000);
        assertThat(u.earliestEventTime).isEqualTo(1_000);
        assertThat(u.value).isEqualTo(4.5);
        assertThat(u.help).isEqualTo("help");
        assertThat(u.sourceOffset).isEqualTo(77);
    }

    @Test
    void aPackWithBytesBeyondItsEntriesIsRefused() {
        SeriesUpdates.Builder b = new SeriesUpdates.Builder(0);
        b.add("a", counter("e1", 1, 1));
        b.add("b", counter("e2", 2, 1));
        byte[] bytes = serde.serialize("t", b.build());
        bytes[1] = 2; // the count, zig-zag: 1 entry instead of 2
        SeriesUpdates truncated = (SeriesUpdates) serde.deserialize("t", bytes);
        assertThatThrownBy(() -> truncated.forEach((k, u) -> { })).isInstanceOf(IllegalStateException.class);
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
        long[] times = {700, 300, 900, 100, 500, 800, 200, 600, 400, 1000};
        Set<Integer> partitionsUsed = new java.util.HashSet<>();
        for (int i = 0; i < 30; i++) {
            Update u = counter("e" + i, times[i % times.length] + i, i);
            u.seriesKey = "s" + i;
            partitionsUsed.add(SeriesUpdatePartitioner.partitionOf(u.seriesKey, 3));
            packer.add(u);
        }
        assertThat(sent).isEmpty(); // held until the flush
        packer.flush(Long.MAX_VALUE);
        Set<Integer> packed = new java.util.HashSet<>();
        int entries = 0;
        for (Sent s : sent) {
            SeriesUpdates pack = (SeriesUpdates) s.value();
            assertThat(packed.add(pack.partition())).as("one pack per partition").isTrue();
            assertThat(SeriesUpdatePartitioner.partitionOf(s.key(), 3)).isEqualTo(pack.partition());
            List<Integer> order = new ArrayList<>();
            long[] newest = {Long.MIN_VALUE};
            pack.forEach((key, u) -> {
                assertThat(SeriesUpdatePartitioner.partitionOf(key, 3)).isEqualTo(pack.partition());
                order.add((int) u.value);
                newest[0] = Math.max(newest[0], u.eventTime);
            });
            assertThat(order).isSorted(); // the order they were added in
            assertThat(s.timestamp()).isEqualTo(newest[0]);
            entries += pack.count();
        }
        assertThat(packed).isEqualTo(partitionsUsed);
        assertThat(entries).isEqualTo(30);
        sent.clear();
        packer.flush(Long.MAX_VALUE);
        assertThat(sent).isEmpty();

        Update after = counter("after", 9, 1);
        after.seriesKey = "s7";
        packer.add(after);
        packer.flush(Long.MAX_VALUE);
        assertThat(sent).singleElement().satisfies(s -> assertThat(s.key()).isEqualTo("s7"));
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
        packer.flush(Long.MAX_VALUE);
        sent.removeIf(s -> ((SeriesUpdates) s.value()).count() == 0); // the stream time told again after the abort
        assertThat(sent).hasSize(1);
        Update next = counter("next", 3, 1);
        next.seriesKey = "next";
        packer.add(next);
        packer.flush(Long.MAX_VALUE);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).key()).isEqualTo("next"); // the dropped entry's key is not reused
        assertThat(((SeriesUpdates) sent.get(1).value()).count()).isEqualTo(1);
    }

    @Test
    void partitionsThatGetNothingAreToldTheStreamTimeAtMostOncePerTick() {
        List<Sent> sent = new ArrayList<>();
        SeriesUpdatesPacker packer = new SeriesUpdatesPacker(partitioner, (k, v, t) -> sent.add(new Sent(k, v, t)));
        partitioner.partitions("t", "k", counter("e", 1, 1), 3);
        packer.flush(20_000);
        assertThat(sent).as("nothing added yet: no time to tell").isEmpty();

        String key = "busy";
        int busy = SeriesUpdatePartitioner.partitionOf(key, 3);
        addAt(packer, key, 10_000);
        packer.flush(20_000);
        assertThat(ticks(sent)).containsExactlyInAnyOrderElementsOf(others(busy, 10_000));
        assertThat(packsWithEntries(sent)).containsExactly(busy);

        sent.clear();
        packer.flush(30_000);
        assertThat(sent).as("nothing added since the last flush: nothing to tell").isEmpty();
        addAt(packer, key, 10_500);
        packer.flush(20_000);
        assertThat(ticks(sent)).as("less than a tick later").isEmpty();
        assertThat(packsWithEntries(sent)).containsExactly(busy);

        sent.clear();
        addAt(packer, key, 11_200);
        packer.flush(20_000);
        assertThat(ticks(sent)).containsExactlyInAnyOrderElementsOf(others(busy, 11_200));

        sent.clear();
        addAt(packer, key, 50_000); // a client clock far ahead: the bound (stream time, wall clock) caps what others are told
        packer.flush(12_500);
        assertThat(ticks(sent)).containsExactlyInAnyOrderElementsOf(others(busy, 12_500));

        sent.clear();
        packer.clear(); // an aborted transaction may have taken the ticks with it
        packer.flush(12_500);
        assertThat(sent).as("what was added before the abort is forgotten with it").isEmpty();
        addAt(packer, key, 12_600);
        packer.flush(-1);
        assertThat(sent).as("no stream time yet (a revived task): nothing to tell").hasSize(1);
        sent.clear();
        addAt(packer, key, 12_600);
        packer.flush(12_600);
        assertThat(ticks(sent)).as("told again after the abort").hasSize(2);
        SeriesUpdates empty = (SeriesUpdates) serde.deserialize("t",
                serde.serialize("t", sent.stream().filter(s -> ((SeriesUpdates) s.value()).count() == 0).findFirst().orElseThrow().value()));
        assertThat(empty.count()).isZero();
        assertThat(empty.latestEventTime()).isEqualTo(12_600);
        empty.forEach((k, u) -> { throw new AssertionError("an empty pack has no entries"); });
    }

    @Test
    void timeAloneBeforeThePartitionCountIsKnownGoesToPartitionZeroSoTheCountIsLearned() {
        List<Sent> sent = new ArrayList<>();
        SeriesUpdatesPacker packer = new SeriesUpdatesPacker(partitioner, (k, v, t) -> {
            sent.add(new Sent(k, v, t));
            partitioner.partitions("t", k, v, 3); // as Kafka Streams asks it when the record is sent
        });
        packer.advance(5_000); // a tick, the first record since a start
        packer.flush(20_000);
        assertThat(ticks(sent)).containsExactly(List.of(0L, 5_000L));
        sent.clear();
        packer.advance(6_000);
        packer.flush(20_000);
        assertThat(ticks(sent)).as("the count known: every partition told").containsExactlyInAnyOrder(
                List.of(0L, 6_000L), List.of(1L, 6_000L), List.of(2L, 6_000L));
    }

    private static void addAt(SeriesUpdatesPacker packer, String key, long eventTime) {
        Update u = counter("e" + eventTime, eventTime, 1);
        u.seriesKey = key;
        packer.add(u);
    }

    /** (partition, timestamp) of the empty packs sent. */
    private static List<List<Long>> ticks(List<Sent> sent) {
        return sent.stream().filter(s -> ((SeriesUpdates) s.value()).count() == 0)
                .map(s -> List.of((long) ((SeriesUpdates) s.value()).partition(), s.timestamp())).toList();
    }

    private static List<Integer> packsWithEntries(List<Sent> sent) {
        return sent.stream().map(s -> (SeriesUpdates) s.value()).filter(p -> p.count() > 0).map(SeriesUpdates::partition).toList();
    }

    private static List<List<Long>> others(int busy, long time) {
        List<List<Long>> out = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            if (p != busy) {
                out.add(List.of((long) p, time));
            }
        }
        return out;
    }

    @Test
    void aPartitionCountThatChangesWhileRunningFailsLoudlyInsteadOfMisrouting() {
        SeriesUpdatesPacker packer = new SeriesUpdatesPacker(partitioner, (k, v, t) -> { });
        partitioner.partitions("t", "k", counter("e", 1, 1), 3);
        Update u = counter("e1", 1, 1);
        u.seriesKey = "a";
        packer.add(u);
        partitioner.partitions("t", "k", counter("e", 1, 1), 4);
        assertThatThrownBy(() -> packer.add(u)).isInstanceOf(IllegalStateException.class).hasMessageContaining("3 to 4");
    }
}
