/**
 * Mayfly's library for Java functions: Prometheus counters, gauges and histograms recorded during an invocation and
 * sent to Kafka as one {@code MetricEventBatch} by {@link dev.mayfly.producer.MayflyMetrics#flush()}, which blocks
 * until Kafka acknowledges (bounded by the flush timeout) because a serverless runtime freezes the process when the
 * handler returns. See {@link dev.mayfly.producer.MayflyMetrics} for a complete handler.
 *
 * <p>{@code dev.mayfly.producer.internal} is not API.
 */
package dev.mayfly.producer;
