package dev.mayfly.launcher.internal.backfill;

import dev.mayfly.exporter.internal.SeriesStore;
import dev.mayfly.launcher.internal.events.BatchDecoder;
import dev.mayfly.launcher.internal.events.BatchFilter;
import dev.mayfly.launcher.internal.topics.ProgressReporter;
import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.DecodeException;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.streams.StreamsAppConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * A range of the events topic replayed through the engine ({@link EngineReplica}) in record-timestamp order
 * ({@link TimeOrderedRecords}), with every series the exporter would serve written at each step
 * ({@link OpenMetricsSteps}). The sample at step T is the value GET /metrics would have served at T had the engine
 * processed, by then, every record stamped at or before T: the records are cut by record timestamp (the send time,
 * the clock the range is cut by too), and the engine itself works in event time as it does live. Steps are the
 * multiples of the step from the first at or after the first record, to the last before {@code --to} or, without
 * it, the first at or after the last record.
 */
public final class Backfill {
    /** What a backfill wrote. */
    public record Result(long samples, long steps, long firstStepMs, long lastStepMs, long seriesSeen, long filtered) {
    }

    private final Settings settings;
    private final StreamsAppConfig engine;
    private final AvroCodec<Aggregate> aggregatesCodec;
    private final BatchFilter filter;
    private final long stepMs;
    private final Instant to;
    private final Instant now;

    /** The most steps a backfill writes: a step far below a scrape interval over days of events is a mistake. */
    static final long MAX_STEPS = 1_000_000;

    /**
     * @param to  the range's end (exclusive), or null: then steps end at the first after the last record, but never
     *            after {@code now} (the value /metrics will serve at a later step is not known yet)
     */
    public Backfill(Settings settings, StreamsAppConfig engine, AvroCodec<Aggregate> aggregatesCodec, BatchFilter filter,
                    long stepMs, Instant to, Instant now) {
        this.settings = settings;
        this.engine = engine;
        this.aggregatesCodec = aggregatesCodec;
        this.filter = filter;
        this.stepMs = stepMs;
        this.to = to;
        this.now = now;
    }

    public Result run(TopicRange range, OutputStream out, ProgressReporter progress) throws IOException {
        BatchDecoder decoder = new BatchDecoder(MayflyCodecs.events(CommonSettings.registry(settings), settings.get(CommonSettings.EVENTS_TOPIC)));
        OpenMetricsSteps writer = new OpenMetricsSteps(out);
        long nextStep = Long.MIN_VALUE;
        long firstStep = 0;
        long steps = 0;
        long filtered = 0;
        long lastTimestamp = Long.MIN_VALUE;
        // no step after the range's end nor after now: what /metrics will serve later is not known yet
        long latestStep = Math.floorDiv(now.toEpochMilli(), stepMs) * stepMs;
        if (to != null) {
            latestStep = Math.min(latestStep, to.toEpochMilli() - 1);
        }
        Set<String> seen = new HashSet<>();
        try (EngineReplica replica = new EngineReplica(engine, aggregatesCodec);
             TimeOrderedRecords records = new TimeOrderedRecords(settings, range, RangeConsumers.TIMEOUT)) {
            for (ConsumerRecord<byte[], byte[]> r = records.next(); r != null; r = records.next()) {
                progress.record();
                if (nextStep == Long.MIN_VALUE) {
                    nextStep = ceilToStep(r.timestamp());
                    firstStep = nextStep;
                    checkSteps(Math.floorDiv(latestStep - firstStep, stepMs) + 1); // before anything is written
                }
                while (r.timestamp() > nextStep && nextStep <= latestStep) {
                    steps++;
                    writer.write(replica.series(), nextStep);
                    count(replica.series(), seen);
                    nextStep += stepMs;
                }
                lastTimestamp = Math.max(lastTimestamp, r.timestamp());
                if (!keeps(r, decoder)) {
                    filtered++;
                } else {
                    replica.process(r);
                }
                progress.update(records.offsetsRead());
            }
            if (nextStep != Long.MIN_VALUE) {
                long lastStep = to != null ? latestStep : Math.min(ceilToStep(lastTimestamp), latestStep);
                for (; nextStep <= lastStep; nextStep += stepMs) {
                    steps++;
                    writer.write(replica.series(), nextStep);
                    count(replica.series(), seen);
                }
            }
            writer.finish();
            progress.update(range.size());
            return new Result(writer.samples(), steps, firstStep, nextStep - stepMs, seen.size(), filtered);
        }
    }

    private boolean keeps(ConsumerRecord<byte[], byte[]> r, BatchDecoder decoder) {
        if (filter.keepsAll()) {
            return true;
        }
        try {
            MetricEventBatch batch = decoder.decode(r.value());
            return Topics.isTick(r.headers(), batch) || filter.matches(batch); // a tick moves every job's time
        } catch (DecodeException e) {
            if (e.isTransient()) {
                throw new IllegalStateException("cannot decode events: " + e.getMessage(), e);
            }
            return false;
        }
    }

    private static void count(SeriesStore store, Set<String> seen) {
        if (seen.size() < 1_000_000) {
            store.forEachName((name, series) -> series.keySet().forEach(labels -> seen.add(name + labels)));
        }
    }

    /** Fails when the steps from the first to the latest possible would exceed {@link #MAX_STEPS}. */
    private void checkSteps(long steps) {
        if (steps > MAX_STEPS) {
            throw new ConfigException("a --step of " + stepMs + " ms would write more than " + String.format(java.util.Locale.ROOT, "%,d", MAX_STEPS)
                    + " steps over this range: choose a longer --step (a scrape interval, such as 15s) or a shorter range");
        }
    }

    private long ceilToStep(long ms) {
        return Math.floorDiv(ms + stepMs - 1, stepMs) * stepMs;
    }
}
