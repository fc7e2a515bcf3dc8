package dev.mayfly.streams.internal;

import dev.mayfly.schemas.validation.MetricValidator;

import java.time.Duration;

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
 * @param publishInterval         how often (wall clock) changed series are published; zero publishes every change at once
 * @param selfMetricsInterval     how often (wall clock) the pipeline counters are published
 * @param validator               the stateless rules of batches and points (label limits included)
 * @param seriesLimitPerTask      most series one task (partition) keeps
 * @param seriesLimitPerMetric    most series of one metric name one task keeps
 * @param lastPushTtl             a job's (or group's) last push time series expires after this span of event time without a push
 */
public record PipelineOptions(String eventsTopic, Duration dedupHorizon, Duration futureSkew, Duration lateness,
                              Duration defaultTtl, Duration cumulativeIdle, Duration windowGrace,
                              Duration expiryScanInterval, Duration publishInterval, Duration selfMetricsInterval,
                              MetricValidator validator, int seriesLimitPerTask, int seriesLimitPerMetric,
                              Duration lastPushTtl, Rules rules) {
}
