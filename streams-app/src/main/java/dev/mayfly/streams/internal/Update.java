package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;

import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The internal record between the ingest and aggregate steps (the series-updates repartition topic), keyed by
 * series key. Either the merged contribution of one batch to one series, or a group delete (broadcast to every
 * partition). Written with {@link UpdateSerde}, never Avro.
 */
public final class Update implements Routed {
    static final long NO_START_TIME = Long.MIN_VALUE;

    final boolean deleteGroup;
    /** The event of the first contribution (the one a dead letter names); of a last value, the newest. */
    final String eventId;
    /** The newest event time of the contributions (the record timestamp). */
    long eventTime;
    /** The oldest event time of the contributions: equal to {@link #eventTime} unless batches were merged. */
    long earliestEventTime;
    // point contribution
    final MetricType type;
    final Aggregation aggregation;
    final boolean cumulative;
    final String streamId;
    final long startTime;
    double value;
    final Histogram histogram;
    final String help;
    final String unit;
    // group delete
    final String job;
    final SortedMap<String, String> groupingLabels;
    /**
     * How many copies of this delete the aggregate step receives from distinct source partitions (one per events
     * partition, {@link GroupDeletes}); 0 for a delete applied as it arrives.
     */
    final int deleteCopies;
    /** The series key, while the ingest step merges a batch (not serialized: it is the record key). */
    transient String seriesKey;
    /** Whether the ingest step may merge this contribution with other batches' (not serialized). */
    transient boolean mergesAcrossBatches;
    // where the batch came from, for dead-letter headers
    int sourcePartition = -1;
    long sourceOffset = -1;

    private Update(boolean deleteGroup, String eventId, long eventTime, MetricType type, Aggregation aggregation,
                   boolean cumulative, String streamId, long startTime, double value, Histogram histogram,
                   String help, String unit, String job, SortedMap<String, String> groupingLabels, int deleteCopies) {
        this.deleteGroup = deleteGroup;
        this.eventId = eventId;
        this.eventTime = eventTime;
        this.earliestEventTime = eventTime;
        this.type = type;
        this.aggregation = aggregation;
        this.cumulative = cumulative;
        this.streamId = streamId;
        this.startTime = startTime;
        this.value = value;
        this.histogram = histogram;
        this.help = help;
        this.unit = unit;
        this.job = job;
        this.groupingLabels = groupingLabels;
        this.deleteCopies = deleteCopies;
    }

    static Update point(String eventId, long eventTime, MetricType type, Aggregation aggregation, boolean cumulative,
                        String streamId, long startTime, double value, Histogram histogram, String help, String unit) {
        return new Update(false, eventId, eventTime, type, aggregation, cumulative, streamId, startTime, value,
                histogram, help, unit, null, null, 0);
    }

    /** @param copies how many source partitions send a copy of this delete (0: apply each as it arrives) */
    static Update deleteGroup(String eventId, long eventTime, String job, Map<String, String> groupingLabels, int copies) {
        return new Update(true, eventId, eventTime, null, null, false, null, NO_START_TIME, 0, null, null, null,
                job, new TreeMap<>(groupingLabels), copies);
    }

    /**
     * Merges a later point of the same series, aggregation and stream from the same batch into this one.
     * Returns false when the two cannot be merged: histograms that {@link Histogram#whyNotAddable cannot be added},
     * or cumulative totals of one stream with different bounds.
     */
    boolean mergeLater(Update later) {
        if (histogram != null) {
            if (cumulative) {
                if (!histogram.sameBounds(later.histogram)) {
                    return false;
                }
                histogram.replaceWith(later.histogram);
            } else {
                if (histogram.whyNotAddable(later.histogram) != null) {
                    return false;
                }
                histogram.add(later.histogram);
            }
            return true;
        }
        if (cumulative) {
            value = later.value;
            return true;
        }
        switch (aggregation) {
            case SUM -> value += later.value;
            case MAX -> value = Math.max(value, later.value);
            case MIN -> value = Math.min(value, later.value);
            case LAST -> value = later.value;
        }
        return true;
    }

    /**
     * Whether contributions of other batches to the same series may be combined with this one without changing any
     * result: deltas aggregated by sum, max or min (combined), or by last value (the newest stands for both), with the
     * same help and unit, of a metric without a window rule. Cumulative points (a delta needs the previous total of
     * the stream) are never merged across batches.
     */
    boolean mergesAcrossBatches(boolean windowed) {
        return !deleteGroup && !cumulative && !windowed && !(aggregation == Aggregation.LAST && histogram != null);
    }

    /**
     * The one contribution that stands for this one and {@code later}, a later batch's contribution to the same series
     * (both {@link #mergesAcrossBatches}), as the aggregate step would take them one after the other; null, changing
     * nothing, when the two cannot be combined exactly (help or unit differ, or histograms have other bounds). Last values: the
     * newer of the two by the aggregate step's own order ({@link SeriesState#isNewer}), its event times widened.
     * Others: this one, the values combined, the event times widened.
     */
    Update mergeLaterBatch(Update later) {
        if (!Objects.equals(help, later.help) || !Objects.equals(unit, later.unit)
                || type != later.type || aggregation != later.aggregation) {
            return null;
        }
        if (aggregation == Aggregation.LAST) { // never a histogram: those do not merge across batches
            Update newer = SeriesState.isNewer(later.eventTime, later.eventId, later.value, eventTime, eventId, value) ? later : this;
            newer.earliestEventTime = Math.min(earliestEventTime, later.earliestEventTime);
            return newer;
        }
        if (sumWouldOverflow(later) || (histogram != null && !histogram.sameBounds(later.histogram)) || !mergeLater(later)) {
            return null; // histograms of other bounds stay apart: a union over the limit refuses only the batch that made it
        }
        eventTime = Math.max(eventTime, later.eventTime);
        earliestEventTime = Math.min(earliestEventTime, later.earliestEventTime);
        return this;
    }

    /** A combined sum that overflows stays two contributions, so the aggregate step rejects only the one that overflows. */
    private boolean sumWouldOverflow(Update later) {
        if (histogram != null) {
            return later.histogram == null || !Double.isFinite(histogram.sum + later.histogram.sum)
                    || later.histogram.count > Long.MAX_VALUE - histogram.count;
        }
        return aggregation == Aggregation.SUM && !Double.isFinite(value + later.value);
    }

    Update withSource(int partition, long offset) {
        this.sourcePartition = partition;
        this.sourceOffset = offset;
        return this;
    }

    public boolean isDeleteGroup() {
        return deleteGroup;
    }
}
