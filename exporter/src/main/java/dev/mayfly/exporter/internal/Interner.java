package dev.mayfly.exporter.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Shares equal metadata and equal histogram bounds between series, so that a million series of a few families
 * hold a few metadata objects and bound arrays. Used by the consumer thread only (not thread-safe). Grows with
 * the number of distinct values, which is the number of distinct help/unit/type combinations and bucket layouts (at
 * most {@link #MAX_LAYOUTS} of those).
 */
final class Interner {
    private final Map<SeriesMetadata, SeriesMetadata> metadata = new HashMap<>();
    private final Map<BoundsKey, double[]> bounds = new HashMap<>();

    SeriesMetadata metadata(SeriesMetadata m) {
        return metadata.computeIfAbsent(m, k -> k);
    }

    /** The most bucket layouts kept for sharing: layouts that histograms' unions of bounds went through are not all kept. */
    static final int MAX_LAYOUTS = 1_024;

    double[] bounds(double[] b) {
        BoundsKey key = new BoundsKey(b);
        if (bounds.size() >= MAX_LAYOUTS) {
            return bounds.getOrDefault(key, b); // shared if known; a new layout is kept by its series alone
        }
        return bounds.computeIfAbsent(key, k -> k.bounds);
    }

    private record BoundsKey(double[] bounds) {
        @Override
        public boolean equals(Object o) {
            return o instanceof BoundsKey other && Arrays.equals(bounds, other.bounds);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bounds);
        }

        @Override
        public String toString() {
            return Objects.toString(Arrays.toString(bounds));
        }
    }
}
