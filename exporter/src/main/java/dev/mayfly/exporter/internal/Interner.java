package dev.mayfly.exporter.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Shares equal metadata and equal histogram bounds between series, so that a million series of a few families
 * hold a few metadata objects and bound arrays. Used by the consumer thread only (not thread-safe). Grows with
 * the number of distinct values, which is the number of distinct help/unit/type combinations and bucket layouts.
 */
final class Interner {
    private final Map<SeriesMetadata, SeriesMetadata> metadata = new HashMap<>();
    private final Map<BoundsKey, double[]> bounds = new HashMap<>();

    SeriesMetadata metadata(SeriesMetadata m) {
        return metadata.computeIfAbsent(m, k -> k);
    }

    double[] bounds(double[] b) {
        return bounds.computeIfAbsent(new BoundsKey(b), k -> k.bounds);
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
