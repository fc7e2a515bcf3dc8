package dev.mayfly.streams.internal;

import dev.mayfly.schemas.DeleteCopy;
import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.SeriesLabels;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.DecodeException;
import dev.mayfly.schemas.codec.FastEventsDecoder;
import dev.mayfly.schemas.validation.MetricValidator;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Steps 1 to 5 on the events topic (keyed by event id): decode, validate, deduplicate, guard the event time,
 * name the series, and merge the points of one batch that land on the same series, then merge batches per series
 * until the commit ({@link PendingUpdates}). Emits the contributions packed per target partition
 * ({@link SeriesUpdates}, or one {@link Update} each before the partition count is known), group deletes, the job's
 * {@link LastPushTimes}, dead letters, and its pipeline counters.
 * Bad input never stops processing: anything that cannot be used becomes a dead letter with its reason.
 */
public final class IngestProcessor implements Processor<byte[], byte[], String, Routed> {
    public static final String DEDUP_STORE = "event-ids";
    public static final String METRICS_STORE = "ingest-pipeline-metrics";
    /** The {@link CommitHook} that forwards the contributions held across batches before each commit. */
    public static final String COMMIT_HOOK_STORE = "ingest-commit-hook";
    /** Most merged contributions held between two commits before they are forwarded anyway. */
    private static final int MAX_HELD = 20_000;
    private static final byte[] SEEN = new byte[0];

    private final PipelineOptions options;
    private final AvroCodec<MetricEventBatch> codec;
    private final MetricValidator validator;
    private final FastEventsDecoder fastDecoder = new FastEventsDecoder();
    private final PendingUpdates pending = new PendingUpdates(MAX_HELD);
    private final SeriesUpdatesPacker packer;
    private final long horizonMs;
    private final long skewMs;
    private final long latenessMs;
    private ProcessorContext<String, Routed> context;
    private WindowStore<String, byte[]> eventIds;
    private SelfMetrics metrics;

    /** @param partitioner the series-updates topic's partitioner: contributions are packed per partition it picks */
    public IngestProcessor(PipelineOptions options, AvroCodec<MetricEventBatch> codec, SeriesUpdatePartitioner partitioner) {
        this.options = options;
        this.packer = new SeriesUpdatesPacker(partitioner,
                (key, value, timestamp) -> context.forward(new Record<String, Routed>(key, value, timestamp)));
        this.codec = codec;
        this.validator = options.validator();
        this.horizonMs = options.dedupHorizon().toMillis();
        this.skewMs = options.futureSkew().toMillis();
        this.latenessMs = options.lateness().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.eventIds = context.getStateStore(DEDUP_STORE);
        KeyValueStore<String, byte[]> metricsStore = context.getStateStore(METRICS_STORE);
        this.metrics = new SelfMetrics(metricsStore, context.taskId().toString());
        // init runs again when a task is revived after an abort: nothing held belongs to a live transaction
        discardHeld();
        CommitHook hook = context.getStateStore(COMMIT_HOOK_STORE);
        hook.onCommit(context, this::forwardHeld, this::discardHeld);
        context.schedule(options.selfMetricsInterval(), PunctuationType.WALL_CLOCK_TIME, t -> metrics.publish(context));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElse(null);
        if (source != null && options.beyondInputEnd(source.partition(), source.offset())) {
            return; // past the end of a replayed range: as if absent
        }
        long now = context.currentStreamTimeMs();
        if (isTick(record)) {
            // time only (a gateway with no pushes to write): the next commit tells every partition how far it came
            packer.advance(record.timestamp());
            return;
        }
        if (!options.countsRedriven() && record.headers().lastHeader(Topics.HEADER_REDRIVEN_EVENT_ID) != null) {
            // a recomputation meets the redriven record's original too, judged by its own settings
            metrics.add("redriven_left_out", 1, now);
            return;
        }
        metrics.add("events", 1, now);
        if (record.value() == null) {
            rejectRecord(record, Rejection.of("empty_record", "the record has no value"));
            return;
        }
        MetricEventBatch batch = fastDecoder.tryDecode(record.value());
        try {
            if (batch == null) {
                batch = codec.decode(record.value());
            }
        } catch (DecodeException e) {
            if (e.isTransient()) {
                // the registry is unreachable: the record is not bad, so fail the task (it is retried from the last
                // commit) rather than dead-letter valid data
                throw new IllegalStateException("cannot decode events while the schema registry is unavailable: " + e.getMessage(), e);
            }
            rejectRecord(record, Rejection.of(e.reason(), e.getMessage()));
            return;
        }
        Rejection batchDefect = Rejection.of(validator.checkBatch(batch));
        if (batchDefect != null) {
            rejectRecord(record, batchDefect);
            return;
        }
        if (!hasUniqueId(record) && isDuplicate(batch.getEventId(), record.timestamp())) {
            metrics.add("duplicates", 1, now);
            return;
        }
        long eventTime = batch.getEmitTime().toEpochMilli();
        if (eventTime > record.timestamp() + skewMs) {
            eventTime = record.timestamp();
            metrics.add("clamped_events", 1, now);
        } else if (eventTime < record.timestamp() - latenessMs) {
            metrics.add("late_events", 1, now);
            deadLetter(record.key(), record.value(), record.timestamp(), Rejection.of("late", "emit_time " + batch.getEmitTime()
                    + " is more than " + options.lateness() + " before the record timestamp " + record.timestamp()), batch.getSource().getJob());
            return;
        }
        if (batch.getOperation() == Operation.DELETE_GROUP) {
            Update delete = Update.deleteGroup(batch.getEventId(), eventTime, batch.getSource().getJob(), batch.getGroupingLabels(),
                    deleteCopies(record));
            withSource(delete);
            // contributions held from earlier batches go first: the delete must not overtake them
            forwardHeld();
            context.forward(new Record<String, Routed>(batch.getSource().getJob(), delete, eventTime));
            if (delete.deleteCopies == 0 || delete.sourcePartition == 0) {
                metrics.add("delete_groups", 1, now); // a delete written to every partition counts once
            }
            return;
        }
        forwardPoints(record, batch, eventTime, now);
    }

    private void forwardPoints(Record<byte[], byte[]> record, MetricEventBatch batch, long eventTime, long now) {
        Source source = batch.getSource();
        Map<String, String> grouping = batch.getGroupingLabels();
        List<MetricPoint> points = batch.getPoints();
        Map<String, Update> merged = new LinkedHashMap<>();
        // points of the same shape (name, type, labels, asked aggregation) as an earlier point of this batch reuse
        // its series and merge target: no label map, series key or rule lookup per point
        Map<Shape, Update> byShape = new HashMap<>();
        int accepted = 0;
        for (MetricPoint p : points) {
            boolean cumulative = p.getType() != MetricType.GAUGE && p.getTemporality() == Temporality.CUMULATIVE;
            Shape shape = cumulative ? null : new Shape(p.getName(), p.getType(), p.getLabels(), p.getAggregation());
            Update target = shape == null ? null : byShape.get(shape);
            if (target != null) {
                Rejection r = Rejection.of(validator.checkValue(p, target.aggregation));
                if (r == null && !target.mergeLater(contribution(p, batch.getEventId(), eventTime, target.aggregation, false))) {
                    r = boundsMismatch(p.getName());
                }
                if (r != null) {
                    rejectPoint(record, batch, p, r);
                } else {
                    countIgnoredHint(p, target.aggregation, now);
                    accepted++;
                }
                continue;
            }
            Rejection r = Rejection.of(validator.checkIdentity(p));
            if (r == null) {
                r = Rejection.of(validator.checkHistogramLabels(p, grouping));
            }
            String name = p.getName();
            TreeMap<String, String> labels = null;
            if (r == null) {
                name = MetricNames.storedName(name, p.getType() == MetricType.COUNTER);
                labels = SeriesLabels.of(p.getLabels(), grouping, source);
                r = Rejection.of(validator.checkLabelCount(name, labels.size()));
            }
            if (r != null) {
                rejectPoint(record, batch, p, r);
                continue;
            }
            Rule rule = options.rules().forName(name);
            if (rule.hasLabelFilter()) {
                labels.keySet().removeIf(l -> !rule.keeps(l));
            }
            String key = SeriesKey.of(name, labels);
            Aggregation aggregation = rule.aggregationFor(p.getType(), p.getAggregation());
            r = Rejection.of(validator.checkValue(p, aggregation)); // by the aggregation the rules chose
            if (r != null) {
                rejectPoint(record, batch, p, r);
                continue;
            }
            countIgnoredHint(p, aggregation, now);
            Update u = contribution(p, batch.getEventId(), eventTime, aggregation, cumulative);
            u.seriesKey = key;
            u.mergesAcrossBatches = u.mergesAcrossBatches(rule.window() != null);
            // cumulative points merge only within one stream and one start time: a new start time is a reset
            String mergeKey = cumulative ? key + '\u0000' + aggregation.ordinal() + '\u0000' + u.streamId + '\u0000' + u.startTime
                    : key + '\u0000' + aggregation.ordinal();
            Update earlier = merged.putIfAbsent(mergeKey, u);
            if (earlier != null && !earlier.mergeLater(u)) {
                rejectPoint(record, batch, p, boundsMismatch(name));
                continue;
            }
            if (shape != null) {
                byShape.put(shape, earlier != null ? earlier : u);
            }
            accepted++;
        }
        for (Map.Entry<String, Update> e : merged.entrySet()) {
            Update u = e.getValue();
            withSource(u);
            pending.add(e.getKey(), u, u.mergesAcrossBatches, packer::add);
        }
        // the job's (and group's) last push time
        LastPushTimes.of(batch, record.timestamp(), eventTime, (mergeKey, u) -> {
            withSource(u);
            pending.add(mergeKey, u, true, packer::add);
        });
        metrics.add("points", accepted, now);
    }

    /**
     * Forwards every contribution held across batches, packed per partition, and tells the partitions it sent nothing
     * this task's time: the newest event time it forwarded, bounded by its stream time and by the wall clock (a
     * producer-library client writes its own clock into its records' timestamps; event times from the future must not
     * move every partition's expiry and windows, though they may move their own series').
     */
    private void forwardHeld() {
        pending.drain(packer::add);
        packer.flush(Math.min(context.currentStreamTimeMs(), context.currentSystemTimeMs()));
    }

    /** Forgets what is held: it belonged to a transaction that is aborted (or to none, at init). */
    private void discardHeld() {
        pending.clear();
        packer.clear();
    }

    /** The identity of a point within a batch: equal shapes land on the same series with the same aggregation. */
    private record Shape(String name, MetricType type, Map<String, String> labels, Aggregation requested) {
    }

    private static Update contribution(MetricPoint p, String eventId, long eventTime, Aggregation aggregation, boolean cumulative) {
        String streamId = cumulative ? (p.getStreamId() == null ? "" : p.getStreamId()) : null;
        long startTime = cumulative && p.getStartTime() != null ? p.getStartTime().toEpochMilli() : Update.NO_START_TIME;
        return Update.point(eventId, eventTime, p.getType(), aggregation, cumulative, streamId, startTime,
                p.getValue(), Histogram.of(p), p.getHelp(), p.getUnit());
    }

    /** A point that asked for an aggregation its rule does not allow is aggregated by the rule's, and counted. */
    private void countIgnoredHint(MetricPoint p, Aggregation chosen, long now) {
        if (p.getAggregation() != null && p.getAggregation() != chosen) {
            metrics.add("ignored_aggregation_hints", 1, now);
        }
    }

    private static Rejection boundsMismatch(String name) {
        return Rejection.of("histogram_bounds_mismatch",
                "histogram '" + name + "' cannot be added to an earlier point of the same series in this batch: a native"
                        + " histogram and explicit buckets, one stream's cumulative totals with different bounds, or more"
                        + " than " + Histogram.MAX_MERGED_BOUNDS + " bounds together");
    }

    /**
     * Whether the record is a gateway's tick ({@link Topics#HEADER_TICK}): headed so, and a batch without points (a
     * record headed so that carries points, or cannot be read, is taken as what it is, not as time).
     */
    private boolean isTick(Record<byte[], byte[]> record) {
        if (record.headers().lastHeader(Topics.HEADER_TICK) == null || record.value() == null) {
            return false;
        }
        MetricEventBatch batch = fastDecoder.tryDecode(record.value());
        try {
            batch = batch != null ? batch : codec.decode(record.value());
        } catch (DecodeException e) {
            return false;
        }
        return Topics.isTick(record.headers(), batch);
    }

    /**
     * Whether the gateway made the record's event id for it alone ({@link Topics#HEADER_UNIQUE_EVENT_ID}): no other
     * record carries it, so it is neither looked up nor stored. A record {@code mayfly redrive} published is always
     * looked up: redriving a dead letter twice must count it once.
     */
    private static boolean hasUniqueId(Record<byte[], byte[]> record) {
        return record.headers().lastHeader(Topics.HEADER_UNIQUE_EVENT_ID) != null
                && record.headers().lastHeader(Topics.HEADER_REDRIVEN_EVENT_ID) == null;
    }

    private boolean isDuplicate(String eventId, long timestamp) {
        try (WindowStoreIterator<byte[]> it = eventIds.fetch(eventId, Math.max(0, timestamp - horizonMs), timestamp + horizonMs)) {
            if (it.hasNext()) {
                return true;
            }
        }
        eventIds.put(eventId, SEEN, timestamp);
        return false;
    }

    /**
     * How many copies of this delete the aggregate step is to wait for: the partition count its {@link DeleteCopy}
     * header names when the copy is in the partition it was written to; else 0 (applied as it arrives).
     */
    private int deleteCopies(Record<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(DeleteCopy.HEADER);
        DeleteCopy copy = header == null ? null : DeleteCopy.parse(header.value());
        RecordMetadata md = context.recordMetadata().orElse(null);
        return copy != null && md != null && copy.partition() == md.partition() ? copy.partitions() : 0;
    }

    private void withSource(Update u) {
        RecordMetadata md = context.recordMetadata().orElse(null);
        if (md != null) {
            u.withSource(md.partition(), md.offset());
        }
    }

    private void rejectRecord(Record<byte[], byte[]> record, Rejection r) {
        deadLetter(record.key(), record.value(), record.timestamp(), r, null);
    }

    private void rejectPoint(Record<byte[], byte[]> record, MetricEventBatch batch, MetricPoint p, Rejection r) {
        MetricEventBatch onePoint = MetricEventBatch.newBuilder()
                .setEventId(batch.getEventId())
                .setSource(batch.getSource())
                .setEmitTime(batch.getEmitTime())
                .setOperation(batch.getOperation())
                .setGroupingLabels(batch.getGroupingLabels())
                .setPoints(List.of(p))
                .build();
        deadLetter(record.key(), codec.encode(onePoint), record.timestamp(), r, batch.getSource().getJob());
    }

    /** Dead-letters {@code value} with the reason; counts it under the job when known (null: the batch's job is unusable). */
    private void deadLetter(byte[] key, byte[] value, long timestamp, Rejection r, String job) {
        RecordMetadata md = context.recordMetadata().orElse(null);
        RecordHeaders headers = Headers.deadLetter(r, md == null ? options.eventsTopic() : md.topic(),
                md == null ? -1 : md.partition(), md == null ? -1 : md.offset());
        context.forward(new Record<String, Routed>(null, new Routed.DeadLetter(key, value), timestamp, headers));
        metrics.addReject(r.reason(), job, context.currentStreamTimeMs());
    }
}
