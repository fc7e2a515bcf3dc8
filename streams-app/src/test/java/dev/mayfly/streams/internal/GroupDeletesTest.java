package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The barrier that applies a delete written to every events partition exactly, over a real (in-memory) store. */
class GroupDeletesTest {
    private static final String IN_GROUP = "c_total{job=\"fn\",instance=\"a\"}";
    private static final String OTHER_GROUP = "c_total{job=\"fn\",instance=\"b\"}";
    private static final String OTHER_JOB = "c_total{job=\"other\",instance=\"a\"}";

    private KeyValueStore<String, byte[]> store;
    private GroupDeletes deletes;

    @BeforeEach
    void open() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("group-deletes"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        deletes = new GroupDeletes(store, HORIZON, lost::incrementAndGet);
    }

    private final AtomicInteger lost = new AtomicInteger();

    private static final long HORIZON = 3_600_000;

    @Test
    void theFirstCopyDeletesAndContributionsFromSourcesWhoseCopyIsStillToComeAreDeletedToo() {
        assertThat(deletes.deletedBefore(IN_GROUP, from(1))).as("no delete yet").isFalse();
        assertThat(deletes.arrive(copy("d", 2, 3), 0)).as("first copy: delete now").isTrue();
        // partition 2's copy arrived: what it sends now was written after the delete
        assertThat(deletes.deletedBefore(IN_GROUP, from(2))).isFalse();
        // partitions 0 and 1 still send what was written before it
        assertThat(deletes.deletedBefore(IN_GROUP, from(0))).isTrue();
        assertThat(deletes.deletedBefore(IN_GROUP, from(1))).isTrue();
        // other groups and jobs are not touched
        assertThat(deletes.deletedBefore(OTHER_GROUP, from(0))).isFalse();
        assertThat(deletes.deletedBefore(OTHER_JOB, from(0))).isFalse();

        assertThat(deletes.arrive(copy("d", 0, 3), 0)).as("a later copy deletes nothing more").isFalse();
        assertThat(deletes.deletedBefore(IN_GROUP, from(0))).isFalse();
        assertThat(deletes.deletedBefore(IN_GROUP, from(1))).isTrue();
        assertThat(store.get("d")).as("kept while a copy is to come").isNotNull();

        assertThat(deletes.arrive(copy("d", 1, 3), 0)).isFalse();
        assertThat(deletes.deletedBefore(IN_GROUP, from(1))).isFalse();
        assertThat(store.get("d")).as("forgotten once every copy arrived").isNull();
    }

    @Test
    void aDeleteWrittenOnceIsAppliedAsItArrivesAndHoldsNothingBack() {
        assertThat(deletes.arrive(Update.deleteGroup("d", 1, "fn", Map.of("instance", "a"), 0).withSource(1, 5), 0)).isTrue();
        assertThat(deletes.arrive(Update.deleteGroup("d", 1, "fn", Map.of("instance", "a"), 0).withSource(1, 5), 0))
                .as("each record of it applies").isTrue();
        assertThat(deletes.deletedBefore(IN_GROUP, from(0))).isFalse();
        assertThat(store.approximateNumEntries()).isZero();
    }

    @Test
    void aRestartedTaskResumesTheBarrierFromTheStore() {
        deletes.arrive(copy("d", 0, 2), 0);
        GroupDeletes restarted = new GroupDeletes(store, HORIZON, lost::incrementAndGet);
        assertThat(restarted.deletedBefore(IN_GROUP, from(1))).isTrue();
        assertThat(restarted.deletedBefore(IN_GROUP, from(0))).isFalse();
        assertThat(restarted.arrive(copy("d", 1, 2), 0)).isFalse();
        assertThat(restarted.deletedBefore(IN_GROUP, from(1))).isFalse();
    }

    @Test
    void aPartitionWhoseDataIsFarYoungerThanTheDeleteTakesItsCopyAsLostAndALateCopyDeletesNothingMore() {
        long t = 1_000_000;
        deletes.arrive(copy("d", 0, 2, t), t);
        // partition 1 lags: its data around the delete's time is held back however far stream time moved
        assertThat(deletes.deletedBefore(IN_GROUP, from(1, t + GroupDeletes.LOST_AFTER_MS))).isTrue();
        assertThat(deletes.expire(t + HORIZON / 2)).isZero();
        assertThat(deletes.deletedBefore(IN_GROUP, from(1, t + 1_000))).isTrue();
        assertThat(lost).hasValue(0);
        // data of partition 1 far younger than the delete was written after it: its copy is not coming
        assertThat(deletes.deletedBefore(IN_GROUP, from(1, t + GroupDeletes.LOST_AFTER_MS + 1))).isFalse();
        assertThat(lost).as("counted once").hasValue(1);
        assertThat(deletes.deletedBefore(IN_GROUP, from(1, t))).as("partition 1 is let through from then on").isFalse();
        GroupDeletes restarted = new GroupDeletes(store, HORIZON, lost::incrementAndGet);
        assertThat(restarted.deletedBefore(IN_GROUP, from(1, t))).as("remembered across a restart").isFalse();
        // a horizon after it was applied, a delete that took a copy as lost is forgotten
        assertThat(restarted.expire(t + HORIZON + 1)).as("no partition was still held back").isZero();
        assertThat(store.get("d")).isNull();
        // until then, the copy taken as lost, arriving after all, deletes nothing more
        assertThat(deletes.arrive(copy("d", 1, 2, t), t)).isFalse();
    }

    @Test
    void aDeleteStillWaitingAHorizonAfterItWasAppliedIsForgottenAndCounted() {
        deletes.arrive(copy("d", 0, 2, 0), 0);
        assertThat(deletes.expire(HORIZON + 1)).isEqualTo(1);
        assertThat(deletes.deletedBefore(IN_GROUP, from(1, 0))).isFalse();
        assertThat(store.get("d")).isNull();
    }

    @Test
    void anEmptyGroupingLabelNamesTheSeriesWithoutIt() {
        deletes.arrive(Update.deleteGroup("d", 1, "fn", Map.of("instance", ""), 2).withSource(0, 1), 0);
        assertThat(deletes.deletedBefore(IN_GROUP, from(1))).isFalse();
        assertThat(deletes.deletedBefore("c_total{job=\"fn\"}", from(1))).isTrue();
    }

    private static Update copy(String eventId, int partition, int partitions) {
        return copy(eventId, partition, partitions, 1);
    }

    private static Update copy(String eventId, int partition, int partitions, long eventTime) {
        return Update.deleteGroup(eventId, eventTime, "fn", Map.of("instance", "a"), partitions).withSource(partition, 10);
    }

    private static Update from(int partition) {
        return from(partition, 2);
    }

    private static Update from(int partition, long eventTime) {
        return Update.point("e", eventTime, MetricType.COUNTER, Aggregation.SUM, false, null, Update.NO_START_TIME, 1, null, null, null)
                .withSource(partition, 20);
    }
}
