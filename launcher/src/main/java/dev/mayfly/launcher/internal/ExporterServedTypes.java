package dev.mayfly.launcher.internal;

import dev.mayfly.exporter.Exporter;
import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.avro.MetricType;

import java.util.concurrent.atomic.AtomicReference;

/** The types an exporter of this process serves, for its gateway: nothing known until the exporter exists. */
public final class ExporterServedTypes implements ServedTypes {
    private final AtomicReference<Exporter> exporter = new AtomicReference<>();

    /** Called once the exporter exists. */
    public void set(Exporter created) {
        exporter.set(created);
    }

    @Override
    public MetricType servedType(String storedName) {
        Exporter e = exporter.get();
        return e == null ? null : e.servedType(storedName);
    }

    @Override
    public long version() {
        Exporter e = exporter.get();
        return e == null ? -1 : e.servedTypesVersion();
    }
}
