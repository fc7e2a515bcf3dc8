package dev.mayfly.producer;

import dev.mayfly.producer.internal.ProducerSettings;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.List;
import java.util.Map;

/**
 * The producer library's own test seam, for the registry's unit tests: real {@link MayflyMetrics} whose Kafka
 * producer is a {@link MockProducer} that acknowledges every record at once; {@link #batches()} decodes what was sent.
 */
public final class RecordingMetrics {
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final MayflyMetrics metrics;

    public RecordingMetrics(Map<String, String> config) {
        this.metrics = new MayflyMetrics(ProducerSettings.parse(config), () -> producer);
    }

    public MayflyMetrics metrics() {
        return metrics;
    }

    /** Every batch sent so far, in order. */
    public List<MetricEventBatch> batches() {
        return producer.history().stream().map(r -> MayflyCodecs.events(null, "mayfly-events").decode(r.value())).toList();
    }

    /** The Kafka record keys sent so far (each batch's event id). */
    public List<String> keys() {
        return producer.history().stream().map(r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)).toList();
    }
}
