package dev.mayfly.streams.internal;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Native histograms merged by down-scaling equal the histogram a reference computes directly from all the
 * observations at the coarser scale (with log2, not with index shifts), for any pair of scales and zero thresholds;
 * and the growth of a cumulative total is the histogram of the observations added since.
 */
class NativeBucketsPropertyTest {
    private static final int FINEST = 8;

    /**
     * Observations as codes: 0 stands for an exact zero; any other code c for sign * 2^((position + 0.5) / 2^8) with
     * sign + for even c, - for odd c, and position = c / 2 - 3000 (so magnitudes below and above 1, indexes negative
     * and positive): the middle of a bucket at the finest scale, so no observation lies on a bucket boundary at any
     * scale (float rounding cannot move it to a neighbour in the reference).
     */
    @Provide
    Arbitrary<List<Integer>> observations() {
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(1, Arbitraries.just(0)),
                        net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(1, 12_001)))
                .list().ofMaxSize(60);
    }

    @Provide
    Arbitrary<Double> thresholds() {
        return Arbitraries.oneOf(Arbitraries.just(0.0), Arbitraries.integers().between(-40, 40).map(j -> Math.pow(2, j / 7.3)));
    }

    static double value(int code) {
        if (code == 0) {
            return 0;
        }
        double sign = code % 2 == 0 ? 1 : -1;
        return sign * Math.pow(2, (code / 2 - 3000 + 0.5) / (1 << FINEST));
    }

    /** The reference: each observation's bucket at {@code scale} from its value with log2, or the zero bucket. */
    static NativeBuckets reference(List<Integer> positions, int scale, double zeroThreshold) {
        TreeMap<Integer, Long> pos = new TreeMap<>();
        TreeMap<Integer, Long> neg = new TreeMap<>();
        long zero = 0;
        for (int p : positions) {
            double v = value(p);
            if (Math.abs(v) <= zeroThreshold) {
                zero++;
                continue;
            }
            int index = (int) Math.ceil(Math.log(Math.abs(v)) / Math.log(2) * Math.pow(2, scale)) - 1;
            (v > 0 ? pos : neg).merge(index, 1L, Long::sum);
        }
        return new NativeBuckets(scale, zeroThreshold, zero, side(pos), side(neg));
    }

    private static NativeBuckets.Side side(TreeMap<Integer, Long> counts) {
        if (counts.isEmpty()) {
            return NativeBuckets.Side.EMPTY;
        }
        int first = counts.firstKey();
        long[] dense = new long[counts.lastKey() - first + 1];
        counts.forEach((i, c) -> dense[i - first] = c);
        return new NativeBuckets.Side(first, dense);
    }

    @Property(tries = 500)
    void mergingAtDifferentScalesIsExact(@ForAll("observations") List<Integer> a, @ForAll("observations") List<Integer> b,
                                         @ForAll @IntRange(min = -4, max = 8) int scaleA, @ForAll @IntRange(min = -4, max = 8) int scaleB) {
        NativeBuckets merged = reference(a, scaleA, 0).plus(reference(b, scaleB, 0));

        List<Integer> all = new ArrayList<>(a);
        all.addAll(b);
        assertThat(merged).isEqualTo(withinSpan(all, Math.min(scaleA, scaleB)));
    }

    /** The reference at {@code scale}, or at the finest lower scale at which no side spans more than the limit. */
    private static NativeBuckets withinSpan(List<Integer> observations, int scale) {
        NativeBuckets expected = reference(observations, scale, 0);
        while (Math.max(expected.positive.counts().length, expected.negative.counts().length) > NativeBuckets.MAX_SPAN) {
            expected = reference(observations, --scale, 0);
        }
        return expected;
    }

    @Test
    void aMergeThatWouldSpanTooManyBucketsLowersTheScale() {
        List<Integer> wide = List.of(2, 12_000); // 2^-11.7 and 2^11.7: 6000 buckets apart at scale 8
        NativeBuckets merged = reference(wide.subList(0, 1), 8, 0).plus(reference(wide.subList(1, 2), 8, 0));

        assertThat(merged.scale).isEqualTo(7);
        assertThat(merged).isEqualTo(reference(wide, 7, 0));
    }

    @Test
    void runsAtBothEndsOfTheDoubleRangeMergeWithoutBuildingTheRangeBetween() {
        // one observation just above 2^-1074 and one near 2^1023, at the finest scale: 537,000 buckets apart
        NativeBuckets low = new NativeBuckets(8, 0, 0, new NativeBuckets.Side(-274_900, new long[]{1}), NativeBuckets.Side.EMPTY);
        NativeBuckets high = new NativeBuckets(8, 0, 0, new NativeBuckets.Side(261_000, new long[]{2}), NativeBuckets.Side.EMPTY);

        NativeBuckets merged = low.plus(high);

        assertThat(merged.scale).isEqualTo(0); // the first scale at which both fit in MAX_SPAN buckets (2,094 of them)
        assertThat(merged.positive.counts().length).isLessThanOrEqualTo(NativeBuckets.MAX_SPAN);
        assertThat(merged.positive.at(-274_900 >> 8)).isEqualTo(1);
        assertThat(merged.positive.at(261_000 >> 8)).isEqualTo(2);
        assertThat(merged).isEqualTo(high.plus(low));
    }

    @Property(tries = 500)
    void differentZeroThresholdsMergeIntoTheWiderZeroBucket(
            @ForAll("observations") List<Integer> a, @ForAll("observations") List<Integer> b,
            @ForAll @IntRange(min = -4, max = 8) int scaleA, @ForAll @IntRange(min = -4, max = 8) int scaleB,
            @ForAll("thresholds") double thresholdA, @ForAll("thresholds") double thresholdB) {
        NativeBuckets merged = reference(a, scaleA, thresholdA).plus(reference(b, scaleB, thresholdB));

        Assume.that(merged.scale == Math.min(scaleA, scaleB)); // not lowered to keep within the span limit
        assertThat(merged.zeroThreshold).isGreaterThanOrEqualTo(Math.max(thresholdA, thresholdB));
        List<Integer> all = new ArrayList<>(a);
        all.addAll(b);
        // the threshold widened only to bucket bounds: computed directly with it, every observation lands where the merge put it
        assertThat(merged).isEqualTo(reference(all, Math.min(scaleA, scaleB), merged.zeroThreshold));
    }

    @Property(tries = 300)
    void theGrowthOfACumulativeTotalIsWhatWasObservedSince(
            @ForAll("observations") List<Integer> before, @ForAll("observations") List<Integer> since,
            @ForAll @IntRange(min = -4, max = 8) int scaleBefore, @ForAll @IntRange(min = 0, max = 3) int coarserBy) {
        // an SDK may lower the scale of a cumulative stream as its range grows, never raise it
        int scaleAfter = Math.max(-4, scaleBefore - coarserBy);
        List<Integer> all = new ArrayList<>(before);
        all.addAll(since);

        NativeBuckets growth = reference(before, scaleBefore, 0).growthTo(reference(all, scaleAfter, 0));

        assertThat(growth).isEqualTo(reference(since, scaleAfter, 0));
    }

    @Property(tries = 200)
    void aTotalThatLostObservationsIsAReset(@ForAll("observations") List<Integer> before, @ForAll @IntRange(min = -4, max = 8) int scale) {
        if (before.isEmpty()) {
            return;
        }
        NativeBuckets earlier = reference(before, scale, 0);
        NativeBuckets later = reference(before.subList(1, before.size()), scale, 0);

        assertThat(earlier.growthTo(later)).isNull();
    }

    @Test
    void theZeroThresholdWidensToTheUpperBoundOfABucketItFallsIn() {
        // scale 0: bucket 0 is (1, 2]; a threshold of 1.5 falls inside it
        NativeBuckets a = new NativeBuckets(0, 0, 0, new NativeBuckets.Side(0, new long[]{3, 1}), NativeBuckets.Side.EMPTY);
        NativeBuckets b = new NativeBuckets(0, 1.5, 2, NativeBuckets.Side.EMPTY, NativeBuckets.Side.EMPTY);

        NativeBuckets merged = a.plus(b);

        assertThat(merged.zeroThreshold).isEqualTo(2.0);
        assertThat(merged.zeroCount).isEqualTo(5);
        assertThat(merged.positive).isEqualTo(new NativeBuckets.Side(1, new long[]{1}));
    }

    @Test
    void downScalingMapsNegativeIndexesByFloor() {
        NativeBuckets.Side side = new NativeBuckets.Side(-3, new long[]{1, 2, 3, 4});

        // indexes -3,-2,-1,0 at scale s are -2,-1,-1,0 at s-1
        assertThat(side.downscale(1)).isEqualTo(new NativeBuckets.Side(-2, new long[]{1, 5, 4}));
    }
}
