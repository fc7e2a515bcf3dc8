package dev.mayfly.exporter.internal;

/**
 * One series as the exporter keeps it: immutable, a few primitive fields and a reference to interned metadata.
 * The series key is not stored here; the store keys series by metric name and by the label part of the key.
 * An update replaces the whole object, so a scrape reading concurrently sees either the old or the new series.
 */
public abstract sealed class StoredSeries permits ScalarSeries, HistogramSeries {
    private final SeriesMetadata metadata;
    private final long createdMillis;
    private final long updatedMillis;

    StoredSeries(SeriesMetadata metadata, long createdMillis, long updatedMillis) {
        this.metadata = metadata;
        this.createdMillis = createdMillis;
        this.updatedMillis = updatedMillis;
    }

    public SeriesMetadata metadata() {
        return metadata;
    }

    /** When the series (re)started, epoch millis: the {@code _created} value of counters and histograms. */
    public long createdMillis() {
        return createdMillis;
    }

    /** Event time of the newest contribution, epoch millis. */
    public long updatedMillis() {
        return updatedMillis;
    }
}
