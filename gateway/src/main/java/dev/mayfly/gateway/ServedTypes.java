package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricType;

/**
 * What the metrics served right now say about a metric name: the type its family is served as. The gateway refuses a
 * push that gives a served name another type, or claims a name a served family exposes (400 {@code type_conflict}),
 * since the exporter serves one family per name and would leave one out. Called for the metric names of pushes, on
 * the HTTP event loops: answers at once, without blocking, from any thread. What it does not know (a name not served
 * yet, a view still loading) it answers with null, and the push is accepted.
 */
public interface ServedTypes {
    /** Knows nothing: a gateway running apart from the exporter leaves conflicts across pushes to the exporter. */
    ServedTypes NONE = new ServedTypes() {
        @Override
        public MetricType servedType(String storedName) {
            return null;
        }

        @Override
        public long version() {
            return 0;
        }
    };

    /** The type of the family served under {@code storedName} (a counter's name without {@code _total}), or null. */
    MetricType servedType(String storedName);

    /**
     * A number that changes whenever an answer of {@link #servedType} may change, so that the gateway may reuse the
     * answers it got while it stays the same; negative while answers must not be reused (a view still loading).
     */
    long version();
}
