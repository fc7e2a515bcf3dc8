package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;

import java.util.List;

/**
 * Turns a decoded {@link Aggregate} into a compact {@link StoredSeries}, or rejects it. Whatever is accepted
 * here is known to make a valid snapshot (it is tried once as a one-series family), so a scrape never fails on
 * a single bad series. Consumer thread only.
 */
public final class SeriesFactory {
    private final Interner interner = new Interner();

    /** A series ready for the store: where it goes and what it is. */
    public record Accepted(String metricName, String labelPart, StoredSeries series) {
    }

    public Accepted accept(String key, Aggregate aggregate) {
        String name = aggregate.getName();
        if (!PrometheusNaming.isValidLegacyMetricName(name)) {
            throw new RejectedAggregateException("invalid_name", "metric name '" + name + "' is not a valid Prometheus metric name");
        }
        if (!key.equals(SeriesKey.of(name, aggregate.getLabels()))) {
            throw new RejectedAggregateException("key_mismatch", "record key '" + key + "' is not the series key of its aggregate");
        }
        MetricType type = aggregate.getType();
        SeriesMetadata metadata = interner.metadata(new SeriesMetadata(type, emptyToNull(aggregate.getHelp()), emptyToNull(aggregate.getUnit())));
        long created = aggregate.getCreatedTime().toEpochMilli();
        long updated = aggregate.getUpdatedTime().toEpochMilli();
        StoredSeries series = switch (type) {
            case COUNTER, GAUGE, UNKNOWN -> new ScalarSeries(metadata, created, updated, aggregate.getValue());
            case HISTOGRAM -> aggregate.getNativeHistogram() != null && aggregate.getHistogram() == null
                    ? nativeHistogram(metadata, created, updated, aggregate.getNativeHistogram())
                    : histogram(metadata, created, updated, aggregate.getHistogram());
            case SUMMARY -> throw new RejectedAggregateException("unsupported_type", "summary aggregates are not served");
        };
        String labelPart = LabelPart.of(key, name);
        try {
            FamilyBuilder.validate(name, labelPart, series);
        } catch (RuntimeException e) {
            throw new RejectedAggregateException("invalid_series", e.getMessage());
        }
        return new Accepted(name, labelPart, series);
    }

    private HistogramSeries histogram(SeriesMetadata metadata, long created, long updated, HistogramValue h) {
        if (h == null) {
            throw new RejectedAggregateException("invalid_histogram", "histogram aggregate without histogram value");
        }
        List<Double> bounds = h.getBounds();
        List<Long> counts = h.getBucketCounts();
        if (counts.size() != bounds.size() + 1) {
            throw new RejectedAggregateException("invalid_histogram",
                    "expected one more bucket count than bounds, got " + bounds.size() + " bounds and " + counts.size() + " counts");
        }
        double[] upperBounds = new double[bounds.size() + 1];
        for (int i = 0; i < bounds.size(); i++) {
            double b = bounds.get(i);
            if (Double.isNaN(b) || Double.isInfinite(b) || (i > 0 && b <= upperBounds[i - 1])) {
                throw new RejectedAggregateException("invalid_histogram", "bounds must be finite and strictly increasing: " + bounds);
            }
            upperBounds[i] = b;
        }
        upperBounds[bounds.size()] = Double.POSITIVE_INFINITY;
        long[] perBucket = new long[counts.size()];
        for (int i = 0; i < perBucket.length; i++) {
            perBucket[i] = counts.get(i);
            if (perBucket[i] < 0) {
                throw new RejectedAggregateException("invalid_histogram", "negative bucket count: " + counts);
            }
        }
        return new HistogramSeries(metadata, created, updated, interner.bounds(upperBounds), perBucket, h.getSum());
    }

    /** Mayfly's dense runs (OpenTelemetry's indexes) as Prometheus' native buckets (index + 1), empty buckets left out. */
    private static HistogramSeries nativeHistogram(SeriesMetadata metadata, long created, long updated, NativeHistogramValue h) {
        if (h.getScale() < -4 || h.getScale() > 8) {
            throw new RejectedAggregateException("invalid_histogram", "native histogram scale " + h.getScale() + " is outside -4..8");
        }
        HistogramSeries.NativeBuckets buckets = new HistogramSeries.NativeBuckets(h.getScale(), h.getZeroThreshold(), h.getZeroCount(),
                prometheusBuckets(h.getPositiveOffset(), h.getPositiveCounts()), prometheusBuckets(h.getNegativeOffset(), h.getNegativeCounts()));
        return new HistogramSeries(metadata, created, updated, buckets, h.getSum());
    }

    private static NativeHistogramBuckets prometheusBuckets(int offset, List<Long> counts) {
        NativeHistogramBuckets.Builder b = NativeHistogramBuckets.builder();
        for (int k = 0; k < counts.size(); k++) {
            long c = counts.get(k);
            if (c < 0) {
                throw new RejectedAggregateException("invalid_histogram", "negative bucket count: " + counts);
            }
            if (c > 0) {
                b.bucket(offset + k + 1, c);
            }
        }
        return b.build();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
