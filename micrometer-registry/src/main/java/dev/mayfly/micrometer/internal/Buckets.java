package dev.mayfly.micrometer.internal;

import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.util.TimeUtils;

import java.util.concurrent.TimeUnit;

/**
 * The bucket upper bounds of a timer or distribution summary, as Micrometer's Prometheus registry exposes them: its
 * service-level objectives plus, with {@code publishPercentileHistogram}, Micrometer's percentile buckets within the
 * expected range. Timers' bounds (nanoseconds in Micrometer) and observations are converted to seconds by one
 * function, {@link #seconds(long)}, so a duration equal to a bound lands in that bound's bucket. The {@code +Inf}
 * bucket is implicit.
 */
public final class Buckets {
    private Buckets() {
    }

    /** The bounds of a distribution summary, in its base unit. */
    public static double[] ofSummary(DistributionStatisticConfig config) {
        return config.getHistogramBuckets(true).stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).toArray();
    }

    /** The bounds of a timer, in seconds. */
    public static double[] ofTimer(DistributionStatisticConfig config) {
        return config.getHistogramBuckets(true).stream().mapToDouble(nanos -> TimeUtils.nanosToUnit(nanos, TimeUnit.SECONDS))
                .filter(Double::isFinite).toArray();
    }

    /** A timer observation in seconds. */
    public static double seconds(long nanos) {
        return TimeUtils.nanosToUnit(nanos, TimeUnit.SECONDS);
    }
}
