package dev.mayfly.streams.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Steps 6 to 9 on the series-updates topic (keyed by series key): aggregate each series, turn cumulative streams
 * into deltas, accumulate tumbling windows ({@link Windows}), enforce cardinality limits ({@link CardinalityLimits}),
 * expire idle series ({@link Expiry}) and delete groups, and publish changes ({@link ChangedSeries}). Everything it
 * decides depends on event time and stream time only, never on the wall clock; the wall clock only paces publication.
 */
public final class AggregateProcessor implements Processor<String, Routed, String, Routed> {
    public static final String SERIES_STORE = "series";
    public static final String CUMULATIVE_STORE = "cumulative-streams";
    public static final String WINDOWS_STORE = "windows";
    public static final String METRICS_STORE = "aggregate-pipeline-metrics";
    public static final String COMMIT_HOOK_STORE = "aggregate-commit-hook";
    /** Group deletes applied here that wait for copies from other source partitions ({@link GroupDeletes}). */
    public static final String GROUP_DELETES_STORE = "group-deletes";
    private static final StringSerializer STRINGS = new StringSerializer();

    private final PipelineOptions options;
    private final ContributionRejects rejects;
    private final CardinalityLimits limits;
    private ProcessorContext<String, Routed> context;
    private WriteBackSeries series;
    private KeyValueStore<String, byte[]> cumulative;
    private SelfMetrics metrics;
    private Windows windows;
    private Expiry expiry;
    private ChangedSeries changed;
    private GroupDeletes deletes;
    /** The stream time each contribution is judged at: the newest event time seen, entry by entry within a pack. */
    private long judgedTime;
    private PublishPace pace;

    public AggregateProcessor(PipelineOptions options, AvroCodec<MetricEventBatch> eventsCodec) {
        this.options = options;
        this.rejects = new ContributionRejects(eventsCodec, options.eventsTopic());
        this.limits = new CardinalityLimits(options.seriesLimitPerTask(), options.seriesLimitPerMetric());
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        KeyValueStore<String, byte[]> seriesStore = context.getStateStore(SERIES_STORE);
        // init runs again when a corrupted task is revived: nothing held belongs to a live transaction
        series = new WriteBackSeries(seriesStore);
        CommitHook hook = context.getStateStore(COMMIT_HOOK_STORE);
        hook.onCommit(context, () -> {
            if (pace.publishesAt(context.currentSystemTimeMs())) {
                publishChanged();
            }
            series.writeBack();
        }, series::discard);
        cumulative = context.getStateStore(CUMULATIVE_STORE);
        KeyValueStore<Bytes, byte[]> windowsStore = context.getStateStore(WINDOWS_STORE);
        metrics = new SelfMetrics(context.getStateStore(METRICS_STORE), context.taskId().toString());
        windows = new Windows(windowsStore, series, options.rules(), options.windowGrace().toMillis(), metrics);
        expiry = new Expiry(series, cumulative, options);
        // init runs again when a corrupted task is revived: rebuild the in-memory views from the stores, from zero
        limits.rebuild(seriesStore);
        changed = ChangedSeries.startingFrom(seriesStore);
        deletes = new GroupDeletes(context.getStateStore(GROUP_DELETES_STORE), options.dedupHorizon().toMillis(),
                () -> metrics.add("unfinished_deletes", 1, judgedTime));
        judgedTime = context.currentStreamTimeMs(); // the task's committed stream time
        pace = new PublishPace(options.publishInterval(), context.currentSystemTimeMs());
        if (!options.publishInterval().isZero()) {
            // changes are published by the commit hook (above); the punctuation also makes an idle task commit
            context.schedule(options.publishInterval(), PunctuationType.WALL_CLOCK_TIME, t -> pace.punctuated());
        }
        context.schedule(options.selfMetricsInterval(), PunctuationType.WALL_CLOCK_TIME, t -> metrics.publish(context));
        context.schedule(options.expiryScanInterval(), PunctuationType.STREAM_TIME, this::expire);
        context.schedule(Duration.ofSeconds(1), PunctuationType.STREAM_TIME, t -> windows.close(t, this::forwardAggregate));
    }

    @Override
    public void process(Record<String, Routed> record) {
        if (record.value() instanceof SeriesUpdates pack) {
            // Kafka Streams' stream time already holds the pack's timestamp (its newest entry's): each entry is
            // judged at the stream time it would have met as a record of its own, the newest event time so far
            pack.forEach((key, u) -> {
                judgedTime = Math.max(judgedTime, u.eventTime);
                aggregate(key, u, judgedTime);
            });
        } else if (record.value() instanceof Update u) {
            judgedTime = Math.max(judgedTime, context.currentStreamTimeMs());
            if (u.deleteGroup) {
                if (deletes.arrive(u, judgedTime)) {
                    deleteGroup(u);
                }
            } else {
                aggregate(record.key(), u, judgedTime);
            }
        }
        judgedTime = Math.max(judgedTime, context.currentStreamTimeMs());
        if (options.publishInterval().isZero()) {
            publishChanged();
        }
    }

    /** Applies one contribution; {@code now} is the stream time it is judged at. */
    private void aggregate(String key, Update u, long now) {
        if (deletes.deletedBefore(key, u)) {
            metrics.add("deleted_contributions", 1, now); // written before a delete applied here: deleted with its group
            return;
        }
        SeriesState s = SeriesState.decode(series.get(key));
        if (s == null) {
            Rejection limit = limits.checkNew(key);
            if (limit != null) {
                metrics.add("cardinality_rejects", 1, now);
                if (LastPushTimes.isLastPush(SeriesKey.metricName(key))) {
                    // Mayfly's own series are counted, not dead-lettered: they are no one's data to redrive
                    metrics.addReject(limit.reason(), SeriesKeys.parse(key).label("job"), context.currentStreamTimeMs());
                } else {
                    reject(key, u, limit);
                }
                return;
            }
            s = SeriesState.start(u);
            limits.count(key, 1);
        } else if (s.type != u.type) {
            reject(key, u, Rejection.of("type_mismatch", "series " + key + " is a " + s.type + ", the point is a " + u.type));
            return;
        } else if (s.aggregation != u.aggregation) {
            reject(key, u, Rejection.of("aggregation_mismatch", "series " + key + " aggregates by " + s.aggregation
                    + ", the point asks for " + u.aggregation));
            return;
        } else if (s.histogram != null && !s.histogram.sameBounds(u.histogram) && s.histogram.whyNotAddable(u.histogram) != null) {
            reject(key, u, Rejection.of("histogram_bounds_mismatch", "series " + key + " "
                    + s.histogram.whyNotAddable(u.histogram))); // computed again only for a rejection
            return;
        }
        double amount = u.value;
        Histogram histogram = u.histogram;
        if (u.cumulative) {
            String streamKey = key + '\u0000' + u.streamId;
            CumulativeState c = CumulativeState.decode(cumulative.get(streamKey));
            CumulativeState.Delta d;
            if (c == null) {
                c = CumulativeState.first(u);
                d = CumulativeState.full(u);
            } else {
                d = c.apply(u);
            }
            cumulative.put(streamKey, c.encode());
            if (d.stale()) {
                // already included in a newer total; it still dates the series' start, whatever the arrival order
                metrics.add("stale_cumulative_points", 1, now);
                if (u.eventTime < s.createdTime || series.get(key) == null) {
                    s.createdTime = Math.min(s.createdTime, u.eventTime);
                    series.put(key, s.encode());
                    changed.mark(key);
                }
                return;
            }
            amount = d.value();
            histogram = d.histogram();
        }
        Rejection overflow = s.overflowFrom(key, amount, histogram);
        if (overflow != null) {
            reject(key, u, overflow); // the series keeps its value: a sum is never served as +Inf
            return;
        }
        switch (u.type) {
            case COUNTER -> s.value += amount;
            case HISTOGRAM -> s.histogram.add(histogram);
            default -> s.addGauge(amount, u.eventTime, u.eventId);
        }
        // help and unit from the newest contribution; times as min/max of event times: independent of arrival order
        if (u.eventTime >= s.updatedTime) {
            s.help = u.help != null ? u.help : s.help;
            s.unit = u.unit != null ? u.unit : s.unit;
        }
        s.createdTime = Math.min(s.createdTime, u.earliestEventTime);
        s.updatedTime = Math.max(s.updatedTime, u.eventTime);
        series.put(key, s.encode());
        changed.mark(key);
        Rule rule = options.rules().forName(SeriesKey.metricName(key));
        if (rule.window() != null && u.type != MetricType.HISTOGRAM) {
            windows.add(key, rule, u.eventTime, amount, now);
        }
    }

    private void expire(long streamTime) {
        int expired = expiry.expire(streamTime, this::remove);
        if (expired > 0) {
            metrics.add("expired_series", expired, streamTime);
        }
        int unfinished = deletes.expire(streamTime);
        if (unfinished > 0) {
            metrics.add("unfinished_deletes", unfinished, streamTime);
        }
    }

    /** Deletes every series of the job whose labels include the grouping labels (this partition's share of them). */
    private void deleteGroup(Update u) {
        List<String> doomed = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                String key = it.next().key;
                if (inGroup(key, u)) {
                    doomed.add(key);
                }
            }
        }
        windows.deleteWhere(key -> inGroup(key, u));
        for (String key : doomed) {
            remove(key);
        }
        metrics.add("deleted_series", doomed.size(), context.currentStreamTimeMs());
    }

    private static boolean inGroup(String key, Update u) {
        return key.contains("job=\"") && GroupDeletes.inGroup(SeriesKeys.parse(key), u.job, u.groupingLabels);
    }

    /** Removes a series with its cumulative streams and publishes its tombstone. */
    private void remove(String key) {
        SeriesState s = SeriesState.decode(series.delete(key));
        if (s != null && !s.derived) {
            limits.count(key, -1);
        }
        List<String> streams = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = cumulative.prefixScan(key + '\u0000', STRINGS)) {
            while (it.hasNext()) {
                streams.add(it.next().key);
            }
        }
        streams.forEach(cumulative::delete);
        changed.forget(key);
        context.forward(new Record<String, Routed>(key, new Routed.Publish(null), Math.max(0, context.currentStreamTimeMs()), new RecordHeaders()));
    }

    /** Publishes the current aggregate of every series changed since the last publication. */
    private void publishChanged() {
        changed.publish(key -> {
            SeriesState s = SeriesState.decode(series.get(key));
            if (s != null) {
                forwardAggregate(key, s);
            }
        });
    }

    private void forwardAggregate(String key, SeriesState s) {
        context.forward(new Record<String, Routed>(key, new Routed.Publish(s.toAggregate(SeriesKeys.parse(key))),
                Math.max(0, s.updatedTime), new RecordHeaders()));
    }

    private void reject(String key, Update u, Rejection r) {
        context.forward(rejects.deadLetter(key, u, r));
        metrics.addReject(r.reason(), SeriesKeys.parse(key).label("job"), context.currentStreamTimeMs());
    }
}
