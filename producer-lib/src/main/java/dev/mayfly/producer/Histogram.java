package dev.mayfly.producer;

import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Temporality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A histogram with explicit bucket bounds:
 * {@code metrics.histogram("duration_seconds").help("...").classicUpperBounds(0.1, 0.5, 1).register()}.
 * Each flush reports, per series, the observations since the previous flush (delta): a count per bucket (not
 * cumulative; one more count than bounds, the last for {@code +Inf}), their sum and count.
 */
public final class Histogram extends Family<Histogram.Series> implements HistogramDataPoint {
    /** The default bounds, as in the Prometheus Java client. */
    static final double[] DEFAULT_BOUNDS = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
    private final double[] bounds;

    private Histogram(String name, String help, List<String> labelNames, double[] bounds) {
        super(name, help, labelNames);
        this.bounds = bounds;
    }

    /** The series with these label values (one per label name, in order), created on first use. */
    public HistogramDataPoint labelValues(String... labelValues) {
        return series(labelValues);
    }

    @Override
    public void observe(double value) {
        unlabelled().observe(value);
    }

    @Override
    boolean sameDefinition(Family<?> other) {
        return super.sameDefinition(other) && Arrays.equals(((Histogram) other).bounds, bounds);
    }

    @Override
    MetricType type() {
        return MetricType.HISTOGRAM;
    }

    @Override
    Series newSeries() {
        return new Series(bounds);
    }

    public static final class Builder extends Family.Builder<Builder, Histogram> {
        private double[] bounds = DEFAULT_BOUNDS;

        Builder(Registry registry, String name) {
            super(registry, name);
        }

        @Override
        Builder self() {
            return this;
        }

        /** Upper bounds of the buckets, strictly increasing; a trailing {@code +Inf} is implied (and may be given). */
        public Builder classicUpperBounds(double... upperBounds) {
            List<Double> list = new ArrayList<>();
            for (double b : upperBounds) {
                if (b == Double.POSITIVE_INFINITY) {
                    continue;
                }
                if (Double.isNaN(b) || b == Double.NEGATIVE_INFINITY || (!list.isEmpty() && b <= list.get(list.size() - 1))) {
                    throw new IllegalArgumentException(name + ": bucket bounds must be finite and strictly increasing, got "
                            + Arrays.toString(upperBounds));
                }
                list.add(b);
            }
            this.bounds = list.stream().mapToDouble(Double::doubleValue).toArray();
            return this;
        }

        @Override
        public Builder labelNames(String... labelNames) {
            for (String n : labelNames) {
                if ("le".equals(n)) {
                    throw new IllegalArgumentException(name + ": label name le is reserved for histogram buckets");
                }
            }
            return super.labelNames(labelNames);
        }

        @Override
        public Histogram register() {
            return registry.register(new Histogram(name, help, labelNames, bounds));
        }
    }

    static final class Series extends Family.Series implements HistogramDataPoint {
        private final double[] bounds;
        private long[] counts;
        private double sum;
        private long count;
        private boolean changed;
        private boolean reported;

        Series(double[] bounds) {
            this.bounds = bounds;
            this.counts = new long[bounds.length + 1];
        }

        @Override
        public synchronized void observe(double value) {
            if (Double.isNaN(value)) {
                return;
            }
            if (Double.isInfinite(value)) {
                throw new IllegalArgumentException("a histogram observation must be finite (its sum must stay finite), got " + value);
            }
            int i = Arrays.binarySearch(bounds, value);
            counts[i >= 0 ? i : -i - 1]++; // (bounds[i-1], bounds[i]]: a value equal to a bound falls in that bound's bucket
            sum += value;
            count++;
            changed = true;
        }

        @Override
        synchronized MetricPoint.Builder takeSnapshot() {
            if (!changed && reported) {
                return null;
            }
            List<Double> boundList = new ArrayList<>(bounds.length);
            for (double b : bounds) {
                boundList.add(b);
            }
            List<Long> countList = new ArrayList<>(counts.length);
            for (long c : counts) {
                countList.add(c);
            }
            MetricPoint.Builder point = MetricPoint.newBuilder().setName("").setType(MetricType.HISTOGRAM)
                    .setTemporality(Temporality.DELTA)
                    .setHistogram(HistogramValue.newBuilder().setBounds(boundList).setBucketCounts(countList).setSum(sum).setCount(count).build());
            counts = new long[bounds.length + 1];
            sum = 0;
            count = 0;
            changed = false;
            reported = true;
            return point;
        }
    }
}
