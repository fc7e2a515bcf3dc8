package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricType;

/**
 * What the metrics served right now say about a metric name: the type its family is served as. The gateway refuses a
 * push that gives a served name another type (400 {@code type_conflict}), since the exporter serves one type per
 * name and would leave the push's series out. Called for every metric name of every push, on the HTTP event loops:
 * answers at once, without blocking, from any thread. What it does not know (a name not served yet, a view still
 * loading) it answers with null, and the push is accepted.
 */
@FunctionalInterface
public interface ServedTypes {
    /** Knows nothing: a gateway running apart from the exporter leaves conflicts across pushes to the exporter. */
    ServedTypes NONE = storedName -> null;

    /** The type of the family served under {@code storedName} (a counter's name without {@code _total}), or null. */
    MetricType servedType(String storedName);
}
