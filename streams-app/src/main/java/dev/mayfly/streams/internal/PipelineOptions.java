package dev.mayfly.streams.internal;

import dev.mayfly.schemas.validation.MetricValidator;

import java.time.Duration;
import java.util.Map;

/**
 * What the processors need from the configuration. Immutable.
 *
 * @param dedupHorizon            a batch id seen within this span (of record timestamps) is a duplicate
 * @param futureSkew              emit times further ahead of the record timestamp are clamped to it
 * @param lateness                emit times further behind the record timestamp are rejected
 * @param defaultTtl              idle series expire after this span of event time unless their rule says otherwise
 * @param cumulativeIdle          idle cumulative stream ids are forgotten after this span of event time
 * @param windowGrace             a window closes when stream time passes its end plus this grace
 * @param expiryScanInterval      how often (in stream time) expiry scans the series
 * @param publishInterval         changed series are published with the first commit after each punctuation of this
 *                                (wall-clock) interval, or this long after the last publication; zero publishes every
 *                                change at once
 * @param selfMetricsInterval     how often (wall clock) the pipeline counters are published
 * @param validator               the stateless rules of batches and points (label limits included)
 * @param seriesLimitPerTask      most series one task (partition) keeps
 * @param seriesLimitPerMetric    most series of one metric name one task keeps
 * @param lastPushTtl             a job's (or group's) last push time series expires after this span of event time without a push
 * @param inputEnd                per events partition, the offset at which input ends (a replay of a range): records
 *                                at or after it are skipped as if absent; empty for the live pipeline (no end)
 * @param countsRedriven          whether records {@code mayfly redrive} published count (the live pipeline); a recomputation
 *                                (replay, backfill) leaves them out by default: it meets their originals, judged by its
 *                                own settings, so with the settings that fixed the cause it counts their points there
 */
public record PipelineOptions(String eventsTopic, Duration dedupHorizon, Duration futureSkew, Duration lateness,
                              Duration defaultTtl, Duration cumulativeIdle, Duration windowGrace,
                              Duration expiryScanInterval, Duration publishInterval, Duration selfMetricsInterval,
                              MetricValidator validator, int seriesLimitPerTask, int seriesLimitPerMetric,
                              Duration lastPushTtl, Rules rules, Map<Integer, Long> inputEnd,
                              boolean countsRedriven) {
    public PipelineOptions {
        inputEnd = Map.copyOf(inputEnd);
    }

    /** Whether the events record at {@code offset} of {@code partition} lies at or after the input's end. */
    public boolean beyondInputEnd(int partition, long offset) {
        Long end = inputEnd.get(partition);
        return end != null && offset >= end;
    }
}
