package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricType;
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
            case HISTOGRAM -> histogram(metadata, created, updated, aggregate.getHistogram());
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

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
