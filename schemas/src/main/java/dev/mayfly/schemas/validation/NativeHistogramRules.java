package dev.mayfly.schemas.validation;

import dev.mayfly.schemas.avro.NativeHistogramValue;

import java.util.List;

/**
 * The shape of a native histogram value ({@link MetricValidator#checkValue} applies it): scale within Prometheus'
 * range, a finite non-negative zero threshold, non-negative counts that add up to count without overflow, a finite
 * sum, and at most {@link #MAX_BUCKETS_PER_SIDE} dense buckets per side whose indexes describe double values (so two
 * runs of one series, however far apart, span a bounded range).
 */
public final class NativeHistogramRules {
    /** The coarsest and finest resolutions (Prometheus' range); the engine merges down to MIN_SCALE at most. */
    public static final int MIN_SCALE = -4;
    public static final int MAX_SCALE = 8;
    /**
     * Dense runs: a bound on what one point may make the aggregate hold (OpenTelemetry SDKs default to 160); a merged
     * histogram spanning more on a side is lowered in scale until it fits.
     */
    public static final int MAX_BUCKETS_PER_SIDE = 4096;

    private NativeHistogramRules() {
    }

    static Violation check(String name, NativeHistogramValue h) {
        if (h.getScale() < MIN_SCALE || h.getScale() > MAX_SCALE) {
            return new Violation("invalid_native_histogram", "native histogram '" + name + "' has scale " + h.getScale()
                    + "; the scale must be between " + MIN_SCALE + " and " + MAX_SCALE);
        }
        if (!Double.isFinite(h.getZeroThreshold()) || h.getZeroThreshold() < 0) {
            return new Violation("invalid_native_histogram", "native histogram '" + name + "' has zero threshold "
                    + h.getZeroThreshold() + "; it must be finite and not negative");
        }
        if (h.getZeroCount() < 0) {
            return new Violation("invalid_histogram_buckets", "native histogram '" + name + "' has a negative zero count");
        }
        Violation side = checkSide(name, "positive", h.getScale(), h.getPositiveOffset(), h.getPositiveCounts());
        if (side == null) {
            side = checkSide(name, "negative", h.getScale(), h.getNegativeOffset(), h.getNegativeCounts());
        }
        if (side != null) {
            return side;
        }
        long total = h.getZeroCount();
        for (List<Long> counts : List.of(h.getPositiveCounts(), h.getNegativeCounts())) {
            for (long c : counts) {
                if (c > Long.MAX_VALUE - total) {
                    return new Violation("invalid_histogram_buckets", "native histogram '" + name + "': bucket counts add up to more than " + Long.MAX_VALUE);
                }
                total += c;
            }
        }
        if (total != h.getCount()) {
            return new Violation("histogram_count_mismatch", "native histogram '" + name + "': zero count and bucket counts add up to "
                    + total + " but count is " + h.getCount());
        }
        if (!Double.isFinite(h.getSum())) {
            return new Violation("non_finite_value", "native histogram '" + name + "' has sum " + h.getSum() + "; a histogram's sum must be finite");
        }
        return null;
    }

    /**
     * The rule on one side's dense run alone: at most {@link #MAX_BUCKETS_PER_SIDE} buckets, indexes (OpenTelemetry's,
     * from {@code offset} on) within an int. Public for decoders that build a run from sparse buckets (Prometheus
     * spans), to apply it before they allocate the run; the validator applies it again to the built value.
     */
    public static Violation checkRun(String name, String side, long offset, long buckets) {
        if (buckets > MAX_BUCKETS_PER_SIDE) {
            return new Violation("invalid_native_histogram", "native histogram '" + name + "' has " + buckets + " " + side
                    + " buckets; at most " + MAX_BUCKETS_PER_SIDE + " per side");
        }
        if (offset < Integer.MIN_VALUE || offset + buckets > Integer.MAX_VALUE) {
            return new Violation("invalid_native_histogram", "native histogram '" + name + "': " + side + " bucket indexes overflow");
        }
        return null;
    }

    /**
     * The lowest bucket index at {@code scale} whose bucket holds a double: its lower bound, 2^(index / 2^scale), is
     * not below 2^-1075 (under the smallest subnormal). Lower indexes describe buckets no value can fall into.
     */
    public static long lowestIndex(int scale) {
        return scale >= 0 ? -(1075L << scale) : -(1075L >> -scale) - 1;
    }

    /** The highest bucket index at {@code scale} whose upper bound, 2^((index + 1) / 2^scale), is at most 2^1024. */
    public static long highestIndex(int scale) {
        return scale >= 0 ? (1024L << scale) - 1 : (1024L >> -scale) - 1;
    }

    private static Violation checkSide(String name, String side, int scale, int offset, List<Long> counts) {
        Violation run = checkRun(name, side, offset, counts.size());
        if (run != null) {
            return run;
        }
        if (!counts.isEmpty() && (offset < lowestIndex(scale) || (long) offset + counts.size() - 1 > highestIndex(scale))) {
            return new Violation("invalid_native_histogram", "native histogram '" + name + "': " + side + " bucket indexes "
                    + offset + ".." + ((long) offset + counts.size() - 1) + " at scale " + scale + " describe no double value; at this scale"
                    + " indexes run from " + lowestIndex(scale) + " to " + highestIndex(scale));
        }
        for (long c : counts) {
            if (c < 0) {
                return new Violation("invalid_histogram_buckets", "native histogram '" + name + "' has a negative " + side + " bucket count");
            }
        }
        return null;
    }
}
