package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;

/**
 * What a series says about its family: type, help and unit. Instances are interned by {@link SeriesFactory}, so
 * the million series of a few families share a handful of these. Help and unit may be null.
 */
public record SeriesMetadata(MetricType type, String help, String unit) {
}
