package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Contributions held until the commit merge across batches only where the aggregate step's result cannot change. */
class PendingUpdatesTest {
    private final List<Update> forwarded = new ArrayList<>();

    private static Update counter(String eventId, long time, double value, String help) {
        Update u = Update.point(eventId, time, MetricType.COUNTER, Aggregation.SUM, false, null, Update.NO_START_TIME,
                value, null, help, null);
        u.seriesKey = "requests{job=\"a\"}";
        return u;
    }

    private static Update lastGauge(String eventId, long time, double value) {
        Update u = Update.point(eventId, time, MetricType.GAUGE, Aggregation.LAST, false, null, Update.NO_START_TIME,
                value, null, null, null);
        u.seriesKey = "temperature{job=\"a\"}";
        return u;
    }

    @Test
    void deltasOfOneSeriesFromManyBatchesBecomeOneContributionWithTheirSumAndTimeSpan() {
        PendingUpdates pending = new PendingUpdates(100);
        pending.add("k", counter("e1", 2_000, 1, "Requests"), true, forwarded::add);
        pending.add("k", counter("e2", 1_000, 2, "Requests"), true, forwarded::add);
        pending.add("k", counter("e3", 3_000, 4, "Requests"), true, forwarded::add);
        assertThat(forwarded).isEmpty();
        pending.drain(forwarded::add);
        assertThat(forwarded).hasSize(1);
        Update merged = forwarded.get(0);
        assertThat(merged.value).isEqualTo(7);
        assertThat(merged.eventTime).isEqualTo(3_000);
        assertThat(merged.earliestEventTime).isEqualTo(1_000);
        assertThat(merged.eventId).isEqualTo("e1");
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    void cumulativePointsAndWindowedMetricsAreHeldOnePerBatchInArrivalOrder() {
        Update cumulative = Update.point("e1", 1, MetricType.COUNTER, Aggregation.SUM, true, "s", 0, 5, null, null, null);
        assertThat(cumulative.mergesAcrossBatches(false)).isFalse();
        assertThat(counter("e1", 1, 1, null).mergesAcrossBatches(true)).as("a metric with a window rule").isFalse();
        assertThat(lastGauge("e1", 1, 1).mergesAcrossBatches(true)).as("a last value with a window rule").isFalse();

        PendingUpdates pending = new PendingUpdates(100);
        pending.add("c", cumulative, false, forwarded::add);
        pending.add("c", Update.point("e2", 2, MetricType.COUNTER, Aggregation.SUM, true, "s", 0, 7, null, null, null), false, forwarded::add);
        pending.drain(forwarded::add);
        assertThat(forwarded).extracting(u -> u.eventId).containsExactly("e1", "e2");
        assertThat(forwarded).extracting(u -> u.value).containsExactly(5.0, 7.0);
    }

    @Test
    void lastValuesOfManyBatchesBecomeTheNewestByTheAggregateStepsOrderWithTheirTimeSpan() {
        assertThat(lastGauge("e1", 1, 1).mergesAcrossBatches(false)).isTrue();
        PendingUpdates pending = new PendingUpdates(100);
        pending.add("g", lastGauge("e1", 2_000, 10), true, forwarded::add);
        pending.add("g", lastGauge("e2", 1_000, 20), true, forwarded::add); // older event time: loses, arrived later or not
        pending.add("h", lastGauge("e1", 5_000, 1), true, forwarded::add);
        pending.add("g", lastGauge("e0", 2_000, 30), true, forwarded::add); // same time, smaller event id: loses
        pending.add("g", lastGauge("e3", 2_000, 5), true, forwarded::add);  // same time, greater event id: wins
        pending.drain(forwarded::add);
        assertThat(forwarded).extracting(u -> u.seriesKey + " " + u.eventId + " " + u.value + " " + u.eventTime + " " + u.earliestEventTime)
                .as("one per series, in the order first held")
                .containsExactly("temperature{job=\"a\"} e3 5.0 2000 1000", "temperature{job=\"a\"} e1 1.0 5000 5000");

        // what the aggregate step keeps is the same, one by one or merged
        SeriesState oneByOne = new SeriesState();
        oneByOne.aggregation = Aggregation.LAST;
        for (Update u : List.of(lastGauge("e1", 2_000, 10), lastGauge("e2", 1_000, 20), lastGauge("e0", 2_000, 30), lastGauge("e3", 2_000, 5))) {
            oneByOne.addGauge(u.value, u.eventTime, u.eventId);
        }
        assertThat(oneByOne.value).isEqualTo(forwarded.get(0).value);
        assertThat(oneByOne.lastEventId).isEqualTo(forwarded.get(0).eventId);
    }

    @Test
    void anyArrivalOfLastValuesMergedGivesWhatTheAggregateStepKeepsOneByOne() {
        java.util.Random random = new java.util.Random(42);
        for (int trial = 0; trial < 2_000; trial++) {
            List<Update> updates = new ArrayList<>();
            int n = 1 + random.nextInt(8);
            for (int i = 0; i < n; i++) { // few distinct times, ids and values: ties on every level
                updates.add(lastGauge("e" + random.nextInt(3), 1_000L * random.nextInt(3), random.nextInt(3)));
            }
            SeriesState oneByOne = new SeriesState();
            oneByOne.aggregation = Aggregation.LAST;
            long earliest = Long.MAX_VALUE;
            for (Update u : updates) {
                oneByOne.addGauge(u.value, u.eventTime, u.eventId);
                earliest = Math.min(earliest, u.eventTime);
            }
            PendingUpdates pending = new PendingUpdates(100);
            forwarded.clear();
            for (Update u : updates) {
                pending.add("g", lastGauge(u.eventId, u.eventTime, u.value), true, forwarded::add);
            }
            pending.drain(forwarded::add);
            assertThat(forwarded).hasSize(1);
            Update merged = forwarded.get(0);
            assertThat(merged.value).as("trial %d", trial).isEqualTo(oneByOne.value);
            assertThat(merged.eventId).isEqualTo(oneByOne.lastEventId);
            assertThat(merged.eventTime).isEqualTo(oneByOne.lastTime);
            assertThat(merged.earliestEventTime).isEqualTo(earliest);
        }
    }

    @Test
    void aContributionThatCannotMergeSendsTheEarlierOneFirst() {
        PendingUpdates pending = new PendingUpdates(100);
        pending.add("k", counter("e1", 1_000, 1, "old help"), true, forwarded::add);
        pending.add("k", counter("e2", 2_000, 2, "new help"), true, forwarded::add);
        assertThat(forwarded).extracting(u -> u.eventId).containsExactly("e1");
        pending.drain(forwarded::add);
        assertThat(forwarded).extracting(u -> u.help).containsExactly("old help", "new help");
        assertThat(forwarded).extracting(u -> u.value).containsExactly(1.0, 2.0);
    }

    @Test
    void aSumThatWouldOverflowStaysTwoContributions() {
        PendingUpdates pending = new PendingUpdates(100);
        pending.add("k", counter("e1", 1, Double.MAX_VALUE, null), true, forwarded::add);
        pending.add("k", counter("e2", 2, Double.MAX_VALUE, null), true, forwarded::add);
        pending.drain(forwarded::add);
        assertThat(forwarded).extracting(u -> u.value).containsExactly(Double.MAX_VALUE, Double.MAX_VALUE);
    }

    private static Update histogram(String eventId, double[] bounds, long[] counts) {
        long count = 0;
        for (long c : counts) {
            count += c;
        }
        Update u = Update.point(eventId, 1, MetricType.HISTOGRAM, Aggregation.SUM, false, null, Update.NO_START_TIME,
                0, new Histogram(bounds, counts, 1, count), null, null);
        u.seriesKey = "latency{job=\"a\"}";
        return u;
    }

    @Test
    void histogramsOfOtherBoundsStayApartSoTheAggregateStepJudgesEachBatchAlone() {
        PendingUpdates pending = new PendingUpdates(100);
        pending.add("k", histogram("e1", new double[]{1}, new long[]{1, 0}), true, forwarded::add);
        pending.add("k", histogram("e2", new double[]{1}, new long[]{0, 2}), true, forwarded::add);
        pending.add("k", histogram("e3", new double[]{2}, new long[]{3, 0}), true, forwarded::add);
        pending.drain(forwarded::add);
        assertThat(forwarded).extracting(u -> u.eventId).containsExactly("e1", "e3");
        assertThat(forwarded.get(0).histogram.counts).containsExactly(1, 2);
        assertThat(forwarded.get(1).histogram.bounds).containsExactly(2);
    }

    @Test
    void reachingTheLimitForwardsEverythingHeld() {
        PendingUpdates pending = new PendingUpdates(2);
        pending.add("a", counter("e1", 1, 1, null), true, forwarded::add);
        pending.add("b", counter("e2", 1, 1, null), true, forwarded::add);
        assertThat(forwarded).isEmpty();
        pending.add("c", counter("e3", 1, 1, null), true, forwarded::add);
        assertThat(forwarded).extracting(u -> u.eventId).containsExactly("e1", "e2");
        pending.clear();
        pending.drain(forwarded::add);
        assertThat(forwarded).hasSize(2);
    }

    @Test
    void theSerdeKeepsTheEarliestEventTimeOfAMergedContribution() {
        Update u = counter("e1", 5_000, 1, null);
        u.mergeLaterBatch(counter("e2", 2_000, 1, null));
        UpdateSerde serde = new UpdateSerde();
        Update back = (Update) serde.deserialize("t", serde.serialize("t", u));
        assertThat(back.eventTime).isEqualTo(5_000);
        assertThat(back.earliestEventTime).isEqualTo(2_000);
        assertThat(back.value).isEqualTo(2);
    }
}
