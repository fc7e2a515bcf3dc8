package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The type /metrics serves under each metric name: one of the process's own families (JVM, process, the exporter's)
 * of that name, else the aggregates the store holds under it (counters are stored without {@code _total}). Knows
 * nothing (null, version -1) until the store has caught up with the aggregates topic. Any thread; constant time.
 */
public final class ServedTypesView {
    private final SeriesStore store;
    private final BooleanSupplier caughtUp;
    private volatile Map<String, MetricType> processFamilies = Map.of();

    public ServedTypesView(SeriesStore store, BooleanSupplier caughtUp) {
        this.store = store;
        this.caughtUp = caughtUp;
    }

    /** The process's own families by name, taken at start: they claim their names before the aggregates. */
    public void processFamilies(Map<String, MetricType> typesByName) {
        processFamilies = Map.copyOf(typesByName);
    }

    public MetricType servedType(String metricName) {
        if (!caughtUp.getAsBoolean()) {
            return null;
        }
        MetricType own = processFamilies.get(metricName);
        return own != null ? own : store.servedType(metricName);
    }

    /** Changes whenever an answer of {@link #servedType} may change, read before the answers it covers; -1 until caught up. */
    public long version() {
        return caughtUp.getAsBoolean() ? store.typesVersion() : -1;
    }
}
