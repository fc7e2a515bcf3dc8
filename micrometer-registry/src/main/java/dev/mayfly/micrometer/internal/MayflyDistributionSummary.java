package dev.mayfly.micrometer.internal;

import dev.mayfly.producer.HistogramDataPoint;
import io.micrometer.core.instrument.AbstractDistributionSummary;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.TimeWindowMax;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Micrometer distribution summary recorded into a Mayfly histogram series in its base unit, with the bounds of
 * {@link Buckets#ofSummary} (the series reports the observations since the previous flush). An infinite amount is
 * not published (a histogram's sum must stay finite) and not counted here either. The maximum is this process's and
 * is not published. Thread-safe.
 */
public final class MayflyDistributionSummary extends AbstractDistributionSummary {
    private final HistogramDataPoint series;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder total = new DoubleAdder();
    private final TimeWindowMax max;

    public MayflyDistributionSummary(Id id, Clock clock, DistributionStatisticConfig config, double scale, HistogramDataPoint series) {
        super(id, clock, config, scale, true);
        this.series = series;
        this.max = new TimeWindowMax(clock, config);
    }

    @Override
    protected void recordNonNegative(double amount) {
        if (amount == Double.POSITIVE_INFINITY) {
            return;
        }
        series.observe(amount);
        count.increment();
        total.add(amount);
        max.record(amount);
    }

    @Override
    public long count() {
        return count.sum();
    }

    @Override
    public double totalAmount() {
        return total.sum();
    }

    @Override
    public double max() {
        return max.poll();
    }
}
