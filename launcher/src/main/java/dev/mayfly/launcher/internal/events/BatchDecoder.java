package dev.mayfly.launcher.internal.events;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.DecodeException;
import dev.mayfly.schemas.codec.FastEventsDecoder;

/**
 * Decodes events records exactly as the streams app's ingest does: the fast path for the current schema in
 * single-object encoding, else the events codec ({@code MayflyCodecs.events}: either framing, any released schema).
 * Thread-confined.
 */
public final class BatchDecoder {
    private final FastEventsDecoder fast = new FastEventsDecoder();
    private final AvroCodec<MetricEventBatch> codec;

    public BatchDecoder(AvroCodec<MetricEventBatch> codec) {
        this.codec = codec;
    }

    /**
     * The batch in {@code value}.
     *
     * @throws DecodeException when it is not one (its reason says why); {@link DecodeException#isTransient()} when the
     *     schema registry could not be asked
     */
    public MetricEventBatch decode(byte[] value) {
        MetricEventBatch batch = value == null ? null : fast.tryDecode(value);
        return batch != null ? batch : codec.decode(value);
    }
}
