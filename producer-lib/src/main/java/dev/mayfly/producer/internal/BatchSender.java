package dev.mayfly.producer.internal;

import dev.mayfly.producer.FlushException;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Sends event batches to Kafka and waits, at most the flush timeout, for their acknowledgement.
 *
 * <p>Contract: a batch that is not acknowledged stays pending, with its event id and its encoded bytes, and is sent
 * again as-is (before any newer batch) by the next {@link #send}; downstream counts an event id once, so a batch that
 * did land the first time is not counted twice. At most {@code maxPending} batches are kept: beyond that the oldest
 * are dropped (and the next failure says how many). The producer is created on first use and reused; it is recreated
 * only after an error that is not retriable. Thread-safe (one send at a time).
 */
public final class BatchSender implements AutoCloseable {
    private final Supplier<Producer<byte[], byte[]>> producerFactory;
    private final AvroCodec<MetricEventBatch> codec;
    private final String topic;
    private final Duration timeout;
    private final int maxPending;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private Producer<byte[], byte[]> producer;
    private int producersCreated;
    private long dropped;

    public BatchSender(Supplier<Producer<byte[], byte[]>> producerFactory, AvroCodec<MetricEventBatch> codec, String topic,
                       Duration timeout, int maxPending) {
        this.producerFactory = producerFactory;
        this.codec = codec;
        this.topic = topic;
        this.timeout = timeout;
        this.maxPending = maxPending;
    }

    /**
     * Adds {@code batch} (when not null) after the pending ones, sends them all in order, and waits until Kafka
     * acknowledges them or the flush timeout passes.
     *
     * @throws FlushException naming the first batch not acknowledged; it and every other unacknowledged batch stay pending
     */
    public synchronized void send(MetricEventBatch batch) throws FlushException {
        if (batch != null) {
            pending.addLast(new Pending(batch));
            while (pending.size() > maxPending) {
                pending.removeFirst();
                dropped++;
            }
        }
        if (pending.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Producer<byte[], byte[]> kafka;
        try {
            kafka = producer();
        } catch (RuntimeException e) {
            throw failure(pending.peekFirst(), "cannot create the Kafka producer", e);
        }
        Map<Pending, Future<RecordMetadata>> inFlight = new LinkedHashMap<>();
        Pending firstFailed = null;
        Throwable firstCause = null;
        for (Pending b : pending) {
            if (System.nanoTime() >= deadline) {
                if (firstFailed == null) {
                    firstFailed = b;
                    firstCause = new org.apache.kafka.common.errors.TimeoutException("flush timeout reached before it could be sent");
                }
                break;
            }
            try {
                // the record timestamp is the emit time, so a resend is the same record as the first attempt (not "late")
                inFlight.put(b, kafka.send(new ProducerRecord<>(topic, null, b.batch.getEmitTime().toEpochMilli(), b.key, b.encoded())));
            } catch (RuntimeException e) { // encoding (registry) or a send that failed at once
                if (firstFailed == null) {
                    firstFailed = b;
                    firstCause = e;
                }
            }
        }
        for (Map.Entry<Pending, Future<RecordMetadata>> e : inFlight.entrySet()) {
            try {
                e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                pending.remove(e.getKey());
            } catch (ExecutionException ex) {
                if (firstFailed == null) {
                    firstFailed = e.getKey();
                    firstCause = ex.getCause();
                }
                if (!(ex.getCause() instanceof RetriableException)) {
                    discardProducer();
                }
            } catch (java.util.concurrent.TimeoutException ex) {
                if (firstFailed == null) {
                    firstFailed = e.getKey();
                    firstCause = new org.apache.kafka.common.errors.TimeoutException("not acknowledged within the flush timeout");
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                if (firstFailed == null) {
                    firstFailed = e.getKey();
                    firstCause = ex;
                }
                break;
            }
        }
        if (firstFailed != null) {
            throw failure(firstFailed, "not acknowledged", firstCause);
        }
    }

    /** The event ids of the batches kept for the next send, oldest first. */
    public synchronized List<String> pendingEventIds() {
        List<String> ids = new ArrayList<>();
        pending.forEach(p -> ids.add(p.batch.getEventId()));
        return ids;
    }

    /** How many producers this sender has created (one, unless one failed beyond retrying). */
    public synchronized int producersCreated() {
        return producersCreated;
    }

    /** Closes the producer, waiting at most the flush timeout for records in flight. Pending batches are dropped. */
    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(timeout);
            producer = null;
        }
    }

    private Producer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = producerFactory.get();
            producersCreated++;
        }
        return producer;
    }

    private void discardProducer() {
        if (producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
        }
    }

    private FlushException failure(Pending first, String what, Throwable cause) {
        StringBuilder message = new StringBuilder("flush to topic ").append(topic).append(" failed within ")
                .append(timeout.toMillis()).append(" ms: event ").append(first.batch.getEventId()).append(' ').append(what)
                .append(": ").append(cause);
        message.append("; ").append(pending.size()).append(pending.size() == 1 ? " batch" : " batches")
                .append(" kept for the next flush ").append(pendingEventIds());
        if (dropped > 0) {
            message.append("; ").append(dropped).append(" older batches were dropped (more than ").append(maxPending).append(" pending)");
            dropped = 0;
        }
        return new FlushException(message.toString(), first.batch.getEventId(), cause);
    }

    /** A batch to send, with its key and, once encoded, the exact bytes every retry sends. */
    private final class Pending {
        final MetricEventBatch batch;
        final byte[] key;
        byte[] encoded;

        Pending(MetricEventBatch batch) {
            this.batch = batch;
            this.key = batch.getEventId().getBytes(StandardCharsets.UTF_8);
        }

        byte[] encoded() {
            if (encoded == null) {
                encoded = codec.encode(batch);
            }
            return encoded;
        }
    }
}
