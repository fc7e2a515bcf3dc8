package dev.mayfly.launcher.internal;

import dev.mayfly.exporter.Exporter;
import dev.mayfly.exporter.ServedTypesReader;
import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.avro.MetricType;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The types an exporter serves, for a gateway: from the exporter of its process (a standalone) or from a reader of the
 * aggregates topic (a gateway run apart); nothing known until that exists.
 */
public final class ExporterServedTypes implements ServedTypes {
    private record Source(Function<String, MetricType> type, LongSupplier version) {
    }

    private final AtomicReference<Source> source = new AtomicReference<>();

    /** Called once the exporter exists. */
    public void set(Exporter created) {
        source.set(new Source(created::servedType, created::servedTypesVersion));
    }

    /** Called once the reader exists. */
    public void set(ServedTypesReader reader) {
        source.set(new Source(reader::servedType, reader::servedTypesVersion));
    }

    @Override
    public MetricType servedType(String storedName) {
        Source s = source.get();
        return s == null ? null : s.type().apply(storedName);
    }

    @Override
    public long version() {
        Source s = source.get();
        return s == null ? -1 : s.version().getAsLong();
    }
}
