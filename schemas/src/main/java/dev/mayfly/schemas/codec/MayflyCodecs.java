package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.SchemaHistory;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.registry.SchemaRegistryClient;

/**
 * The codecs for Mayfly's two record types, configured the same way everywhere: with no registry, single-object
 * encoding; with one, the Confluent wire format under the TopicNameStrategy subject {@code <topic>-value}.
 * Either way they read single-object records written with any released schema version (see {@link SchemaHistory}).
 */
public final class MayflyCodecs {
    private MayflyCodecs() {
    }

    public static AvroCodec<MetricEventBatch> events(SchemaRegistryClient registryOrNull, String topic) {
        return withHistory(registryOrNull == null
                ? AvroCodec.singleObject(MetricEventBatch.getClassSchema(), null)
                : AvroCodec.confluent(MetricEventBatch.getClassSchema(), registryOrNull, topic + "-value"));
    }

    /** Event batches in single-object encoding whatever the topic uses: the body of the gateway's events API. */
    public static AvroCodec<MetricEventBatch> eventsSingleObject() {
        return events(null, null);
    }

    public static AvroCodec<Aggregate> aggregates(SchemaRegistryClient registryOrNull, String topic) {
        return withHistory(registryOrNull == null
                ? AvroCodec.singleObject(Aggregate.getClassSchema(), null)
                : AvroCodec.confluent(Aggregate.getClassSchema(), registryOrNull, topic + "-value"));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> AvroCodec<T> withHistory(AvroCodec<T> codec) {
        SchemaHistory.released(codec.schema().getName()).forEach(codec::withKnownWriterSchema);
        return codec;
    }
}
