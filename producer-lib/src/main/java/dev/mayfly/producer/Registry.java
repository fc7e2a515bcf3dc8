package dev.mayfly.producer;

import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.validation.MetricValidator;
import dev.mayfly.schemas.validation.Violation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metric families of one {@link MayflyMetrics}, checked against the shared validator's label limits when they
 * are registered and when a series is first used. Thread-safe.
 */
final class Registry {
    private final Map<String, Family<?>> families = new LinkedHashMap<>();
    private final MetricValidator validator;
    private final int sourceLabels;

    /** {@code sourceLabels}: the labels every series gets from the source (job, and function and region when set). */
    Registry(MetricValidator validator, int sourceLabels) {
        this.validator = validator;
        this.sourceLabels = sourceLabels;
    }

    synchronized <F extends Family<?>> F register(F family) {
        Family<?> existing = families.get(family.name);
        if (existing == null) {
            Violation tooMany = validator.checkLabelCount(family.name, family.labelNames.size() + sourceLabels);
            if (tooMany != null) {
                throw new IllegalArgumentException(tooMany.detail());
            }
            families.put(family.name, family);
            family.init(validator);
            return family;
        }
        if (!existing.sameDefinition(family)) {
            throw new IllegalArgumentException("metric " + family.name + " is already registered as a "
                    + existing.type().name().toLowerCase() + " with label names " + existing.labelNames
                    + "; cannot register it as a " + family.type().name().toLowerCase() + " with label names " + family.labelNames);
        }
        @SuppressWarnings("unchecked")
        F same = (F) existing;
        return same;
    }

    /** The points of every series with something to report; what they report is reset. */
    List<MetricPoint> collect() {
        List<Family<?>> snapshot;
        synchronized (this) {
            snapshot = new ArrayList<>(families.values());
        }
        List<MetricPoint> points = new ArrayList<>();
        for (Family<?> f : snapshot) {
            f.collect(points);
        }
        return points;
    }
}
