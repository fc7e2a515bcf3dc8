package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.validation.NativeHistogramRules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The buckets of a native (base-2 exponential) histogram, immutable: scale, zero bucket and one dense run of counts per
 * side. Indexes follow OpenTelemetry: at scale s, bucket i of the positive side holds (2^(i/2^s), 2^((i+1)/2^s)], the
 * negative side mirrors it for -x, and the zero bucket holds [-zeroThreshold, zeroThreshold].
 *
 * <p>Merge rule ({@link #plus}), exact and never interpolated: both are first brought to the coarser scale (bucket i of
 * scale s is bucket {@code i >> (s - s')} of scale s' &lt; s, exactly the union of 2^(s - s') finer buckets), then to
 * the larger zero threshold: a bucket lying entirely inside the zero bucket is folded into the zero count, and when
 * the threshold falls inside a non-empty bucket of either side the threshold is widened to that bucket's upper bound
 * (as Prometheus does), so that no bucket is ever split. Then counts are added bucket by bucket; when a side then
 * spans more than {@link #MAX_SPAN} buckets, the scale is lowered until it does not.
 */
final class NativeBuckets {
    static final int MIN_SCALE = NativeHistogramRules.MIN_SCALE;
    /** Most buckets one side of a merged histogram spans; beyond it, the merge lowers the scale (as Prometheus does). */
    static final int MAX_SPAN = NativeHistogramRules.MAX_BUCKETS_PER_SIDE;

    final int scale;
    final double zeroThreshold;
    final long zeroCount;
    final Side positive;
    final Side negative;

    /** A dense run of bucket counts starting at index {@code offset}. */
    record Side(int offset, long[] counts) {
        static final Side EMPTY = new Side(0, new long[0]);

        long at(int index) {
            int k = index - offset;
            return k >= 0 && k < counts.length ? counts[k] : 0;
        }

        boolean isEmpty() {
            for (long c : counts) {
                if (c != 0) {
                    return false;
                }
            }
            return true;
        }

        /** The same counts at {@code scale - by}: each bucket i goes to i >> by (floor, also for negative i). */
        Side downscale(int by) {
            if (by == 0 || counts.length == 0) {
                return this;
            }
            int first = offset >> by;
            int last = (offset + counts.length - 1) >> by;
            long[] out = new long[last - first + 1];
            for (int k = 0; k < counts.length; k++) {
                out[((offset + k) >> by) - first] += counts[k];
            }
            return new Side(first, out);
        }

        /** Bucket by bucket sum, trimmed of empty buckets at both ends. */
        Side plus(Side o) {
            if (o.counts.length == 0) {
                return this;
            }
            if (counts.length == 0) {
                return o;
            }
            int first = Math.min(offset, o.offset);
            int end = Math.max(offset + counts.length, o.offset + o.counts.length);
            long[] out = new long[end - first];
            for (int k = 0; k < counts.length; k++) {
                out[offset + k - first] += counts[k];
            }
            for (int k = 0; k < o.counts.length; k++) {
                out[o.offset + k - first] += o.counts[k];
            }
            return trimmed(first, out);
        }

        static Side trimmed(int offset, long[] counts) {
            int from = 0;
            int to = counts.length;
            while (from < to && counts[from] == 0) {
                from++;
            }
            while (to > from && counts[to - 1] == 0) {
                to--;
            }
            return from == to ? EMPTY : new Side(offset + from, Arrays.copyOfRange(counts, from, to));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Side s && offset == s.offset && Arrays.equals(counts, s.counts);
        }

        @Override
        public int hashCode() {
            return 31 * offset + Arrays.hashCode(counts);
        }
    }

    NativeBuckets(int scale, double zeroThreshold, long zeroCount, Side positive, Side negative) {
        this.scale = scale;
        this.zeroThreshold = zeroThreshold;
        this.zeroCount = zeroCount;
        this.positive = positive;
        this.negative = negative;
    }

    static NativeBuckets of(NativeHistogramValue h) {
        return new NativeBuckets(h.getScale(), h.getZeroThreshold(), h.getZeroCount(),
                Side.trimmed(h.getPositiveOffset(), longs(h.getPositiveCounts())),
                Side.trimmed(h.getNegativeOffset(), longs(h.getNegativeCounts())));
    }

    NativeHistogramValue toAvro(double sum, long count) {
        return new NativeHistogramValue(scale, zeroThreshold, zeroCount, positive.offset, list(positive.counts),
                negative.offset, list(negative.counts), sum, count);
    }

    /** No observations, same scale and zero threshold. */
    NativeBuckets empty() {
        return new NativeBuckets(scale, zeroThreshold, 0, Side.EMPTY, Side.EMPTY);
    }

    /** Upper bound of bucket {@code index} at {@code scale}: 2^((index+1) / 2^scale). */
    static double upperBound(int index, int scale) {
        return scale >= 0 ? Math.pow(2.0, (index + 1.0) / (1 << scale)) : Math.pow(2.0, (index + 1.0) * (1 << -scale));
    }

    NativeBuckets downscaleTo(int coarser) {
        if (coarser >= scale) {
            return this;
        }
        return new NativeBuckets(coarser, zeroThreshold, zeroCount, positive.downscale(scale - coarser), negative.downscale(scale - coarser));
    }

    /** The zero threshold both must use to be merged bucket for bucket (both at the same scale). */
    static double commonZeroThreshold(NativeBuckets a, NativeBuckets b) {
        double t = Math.max(a.zeroThreshold, b.zeroThreshold);
        if (a.zeroThreshold == b.zeroThreshold) {
            return t;
        }
        boolean widened = true;
        while (widened) {
            widened = false;
            for (NativeBuckets h : List.of(a, b)) {
                for (Side side : List.of(h.positive, h.negative)) {
                    for (int k = 0; k < side.counts.length; k++) {
                        int i = side.offset + k;
                        double upper = upperBound(i, h.scale);
                        if (side.counts[k] != 0 && upper > t && upperBound(i - 1, h.scale) < t) {
                            t = upper;
                            widened = true;
                        }
                    }
                }
            }
        }
        return t;
    }

    /** The same observations with zero threshold {@code t} (not below this one's, and not inside a non-empty bucket). */
    NativeBuckets withZeroThreshold(double t) {
        if (t == zeroThreshold) {
            return this;
        }
        long folded = zeroCount;
        Side[] sides = {positive, negative};
        for (int n = 0; n < 2; n++) {
            Side side = sides[n];
            long[] kept = side.counts.clone();
            for (int k = 0; k < kept.length; k++) {
                if (upperBound(side.offset + k, scale) <= t) {
                    folded += kept[k];
                    kept[k] = 0;
                }
            }
            sides[n] = Side.trimmed(side.offset, kept);
        }
        return new NativeBuckets(scale, t, folded, sides[0], sides[1]);
    }

    /** Both brought to a common scale and zero threshold (see the class comment). */
    static NativeBuckets[] aligned(NativeBuckets a, NativeBuckets b) {
        int s = Math.min(a.scale, b.scale);
        NativeBuckets x = a.downscaleTo(s);
        NativeBuckets y = b.downscaleTo(s);
        double t = commonZeroThreshold(x, y);
        return new NativeBuckets[]{x.withZeroThreshold(t), y.withZeroThreshold(t)};
    }

    NativeBuckets plus(NativeBuckets other) {
        // first lowered while the two together would span more than MAX_SPAN buckets on a side: the sum is never
        // built wider than that, however far apart the two runs lie
        int s = Math.min(scale, other.scale);
        while (s > MIN_SCALE && Math.max(span(positive, scale - s, other.positive, other.scale - s),
                span(negative, scale - s, other.negative, other.scale - s)) > MAX_SPAN) {
            s--;
        }
        NativeBuckets[] ab = aligned(downscaleTo(s), other.downscaleTo(s));
        NativeBuckets sum = new NativeBuckets(ab[0].scale, ab[0].zeroThreshold, ab[0].zeroCount + ab[1].zeroCount,
                ab[0].positive.plus(ab[1].positive), ab[0].negative.plus(ab[1].negative));
        while (sum.scale > MIN_SCALE && Math.max(sum.positive.counts.length, sum.negative.counts.length) > MAX_SPAN) {
            sum = sum.downscaleTo(sum.scale - 1); // exact too: a bound on what one series holds
        }
        return sum;
    }

    /** Buckets from the first to the last bucket of {@code a} and {@code b}, each lowered by its {@code by} scales. */
    private static long span(Side a, int aBy, Side b, int bBy) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int n = 0; n < 2; n++) {
            Side side = n == 0 ? a : b;
            int by = n == 0 ? aBy : bBy;
            if (side.counts.length > 0) {
                first = Math.min(first, side.offset >> by);
                last = Math.max(last, ((long) side.offset + side.counts.length - 1) >> by);
            }
        }
        return first > last ? 0 : last - first + 1;
    }

    /**
     * What {@code later} (a cumulative total of the same stream) holds beyond this earlier total, or null when it
     * holds less somewhere (a reset).
     */
    NativeBuckets growthTo(NativeBuckets later) {
        NativeBuckets[] ab = aligned(this, later);
        NativeBuckets before = ab[0];
        NativeBuckets after = ab[1];
        long zero = after.zeroCount - before.zeroCount;
        Side pos = minus(after.positive, before.positive);
        Side neg = minus(after.negative, before.negative);
        return zero < 0 || pos == null || neg == null ? null : new NativeBuckets(after.scale, after.zeroThreshold, zero, pos, neg);
    }

    private static Side minus(Side after, Side before) {
        for (int k = 0; k < before.counts.length; k++) {
            if (before.counts[k] > after.at(before.offset + k)) {
                return null;
            }
        }
        long[] out = after.counts.clone();
        for (int k = 0; k < out.length; k++) {
            out[k] -= before.at(after.offset + k);
        }
        return Side.trimmed(after.offset, out);
    }

    void write(Binary.Writer w) {
        w.writeInt(scale).writeDouble(zeroThreshold).writeLong(zeroCount);
        for (Side side : List.of(positive, negative)) {
            w.writeInt(side.offset).writeInt(side.counts.length);
            for (long c : side.counts) {
                w.writeLong(c);
            }
        }
    }

    static NativeBuckets read(Binary.Reader r) {
        int scale = r.readInt();
        double threshold = r.readDouble();
        long zero = r.readLong();
        Side[] sides = new Side[2];
        for (int n = 0; n < 2; n++) {
            int offset = r.readInt();
            long[] counts = new long[r.readInt()];
            for (int k = 0; k < counts.length; k++) {
                counts[k] = r.readLong();
            }
            sides[n] = new Side(offset, counts);
        }
        return new NativeBuckets(scale, threshold, zero, sides[0], sides[1]);
    }

    int bucketCount() {
        return positive.counts.length + negative.counts.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NativeBuckets b && scale == b.scale && Double.compare(zeroThreshold, b.zeroThreshold) == 0
                && zeroCount == b.zeroCount && positive.equals(b.positive) && negative.equals(b.negative);
    }

    @Override
    public int hashCode() {
        return (31 * scale + Long.hashCode(zeroCount)) * 31 + positive.hashCode();
    }

    @Override
    public String toString() {
        return "NativeBuckets{scale=" + scale + ", zt=" + zeroThreshold + ", zero=" + zeroCount + ", pos=" + positive.offset
                + Arrays.toString(positive.counts) + ", neg=" + negative.offset + Arrays.toString(negative.counts) + "}";
    }

    private static long[] longs(List<Long> l) {
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    private static List<Long> list(long[] a) {
        List<Long> l = new ArrayList<>(a.length);
        for (long v : a) {
            l.add(v);
        }
        return l;
    }
}
