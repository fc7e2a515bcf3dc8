package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregate;

/** What a pipeline processor emits; the topology routes each kind to its topic. */
public sealed interface Routed permits Routed.DeadLetter, Routed.Publish, Update, SeriesUpdates {

    /** A rejected record for the dead-letter topic: the source key and the bytes (reason headers are on the record). */
    record DeadLetter(byte[] key, byte[] value) implements Routed {
    }

    /** A change for the aggregates topic; a null aggregate is a tombstone. */
    record Publish(Aggregate aggregate) implements Routed {
    }
}
