package dev.mayfly.micrometer.internal;

import dev.mayfly.producer.HistogramDataPoint;
import io.micrometer.core.instrument.AbstractTimer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.TimeWindowMax;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.util.TimeUtils;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Micrometer timer recorded into a Mayfly histogram series in seconds, with the bounds of {@link Buckets#ofTimer}
 * (the series reports the observations since the previous flush). {@link #count()}, {@link #totalTime} and
 * {@link #max} are this process's, as in any Micrometer timer; the maximum is not published (a per-process decaying
 * maximum does not add up across function instances). Thread-safe.
 */
public final class MayflyTimer extends AbstractTimer {
    private final HistogramDataPoint series;
    private final LongAdder count = new LongAdder();
    private final LongAdder totalNanos = new LongAdder();
    private final TimeWindowMax max;

    public MayflyTimer(Id id, Clock clock, DistributionStatisticConfig config, PauseDetector pauseDetector, HistogramDataPoint series) {
        super(id, clock, config, pauseDetector, TimeUnit.SECONDS, true);
        this.series = series;
        this.max = new TimeWindowMax(clock, config);
    }

    @Override
    protected void recordNonNegative(long amount, TimeUnit unit) {
        long nanos = unit.toNanos(amount);
        series.observe(Buckets.seconds(nanos));
        count.increment();
        totalNanos.add(nanos);
        max.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public long count() {
        return count.sum();
    }

    @Override
    public double totalTime(TimeUnit unit) {
        return TimeUtils.nanosToUnit(totalNanos.sum(), unit);
    }

    @Override
    public double max(TimeUnit unit) {
        return max.poll(unit);
    }
}
