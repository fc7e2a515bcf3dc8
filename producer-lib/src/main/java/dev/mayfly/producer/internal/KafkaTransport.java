package dev.mayfly.producer.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Batches written straight to the events topic, keyed by event id, in the topic's framing ({@code codec}). The
 * producer is created on first use and reused; it is recreated only after an error that is not retriable. Kafka
 * refuses nothing for good here: a failed batch stays pending.
 */
public final class KafkaTransport implements BatchSender.Transport {
    private final Supplier<Producer<byte[], byte[]>> producerFactory;
    private final AvroCodec<MetricEventBatch> codec;
    private final String topic;
    private Producer<byte[], byte[]> producer;
    private int producersCreated;

    public KafkaTransport(Supplier<Producer<byte[], byte[]>> producerFactory, AvroCodec<MetricEventBatch> codec, String topic) {
        this.producerFactory = producerFactory;
        this.codec = codec;
        this.topic = topic;
    }

    @Override
    public byte[] encode(MetricEventBatch batch) {
        return codec.encode(batch);
    }

    @Override
    public Future<?> send(MetricEventBatch batch, byte[] key, byte[] encoded, long deadlineNanos) {
        if (producer == null) {
            try {
                producer = producerFactory.get();
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot create the Kafka producer: " + e, e);
            }
            producersCreated++;
        }
        // the record timestamp is the emit time, so a resend is the same record as the first attempt (not "late")
        return producer.send(new ProducerRecord<>(topic, null, batch.getEmitTime().toEpochMilli(), key, encoded));
    }

    @Override
    public boolean refusedForGood(Throwable cause) {
        return false;
    }

    @Override
    public void failed(Throwable cause) {
        if (!(cause instanceof RetriableException) && producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
        }
    }

    @Override
    public String destination() {
        return "topic " + topic;
    }

    @Override
    public void close(Duration timeout) {
        if (producer != null) {
            producer.close(timeout);
            producer = null;
        }
    }

    int producersCreated() {
        return producersCreated;
    }
}
