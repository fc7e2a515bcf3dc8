package dev.mayfly.exporter.internal;

/** A counter total, a gauge value or an untyped value. */
public final class ScalarSeries extends StoredSeries {
    private final double value;

    public ScalarSeries(SeriesMetadata metadata, long createdMillis, long updatedMillis, double value) {
        super(metadata, createdMillis, updatedMillis);
        this.value = value;
    }

    public double value() {
        return value;
    }
}
