package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Aggregates topic values through the configured codec; null (a tombstone) stays null. */
public final class AggregateSerde implements Serde<Aggregate> {
    private final AvroCodec<Aggregate> codec;

    public AggregateSerde(AvroCodec<Aggregate> codec) {
        this.codec = codec;
    }

    @Override
    public Serializer<Aggregate> serializer() {
        return (topic, a) -> a == null ? null : codec.encode(a);
    }

    @Override
    public Deserializer<Aggregate> deserializer() {
        return (topic, bytes) -> bytes == null ? null : codec.decode(bytes);
    }
}
