package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.DeleteCopy;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Writes a group delete once to each partition of the events topic, in one transaction, every copy with its
 * {@link DeleteCopy} header and the delete's emit time as its timestamp (so every copy meets the same checks): the
 * engine then deletes exactly the pushes written before the delete in every partition, and none written after it.
 * The copies become visible together or not at all.
 *
 * <p>One transactional producer ({@code transactional.id} {@code mayfly-gateway-deletes-<random>}, one per gateway
 * process), created at the first delete, so a gateway that never deletes never holds it. Deletes are written one at
 * a time on its own thread; a failed delete aborts its transaction (or, when even that fails, closes the producer: the
 * next delete starts a new producer with the same id, which aborts whatever the old one left open). A transaction left
 * open by a gateway that died mid-delete holds back the engine's reads of the events topic until the broker aborts it:
 * {@code transaction.timeout.ms} is the ack timeout.
 */
final class DeleteCopiesWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeleteCopiesWriter.class);

    private final Map<String, Object> config;
    private final String topic;
    private final AvroCodec<MetricEventBatch> codec;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mayfly-gateway-deletes");
        t.setDaemon(true);
        return t;
    });
    private final long ackTimeoutNanos;
    /** Used on {@link #thread} only. */
    private Producer<byte[], byte[]> producer;

    /** @param producerConfig the events producer's configuration, made transactional here */
    DeleteCopiesWriter(Map<String, Object> producerConfig, String topic, AvroCodec<MetricEventBatch> codec, Duration ackTimeout) {
        this.config = new HashMap<>(producerConfig);
        int timeoutMs = (int) Math.max(ackTimeout.toMillis(), 1000);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mayfly-gateway-deletes-" + UUID.randomUUID());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "mayfly-gateway-deletes");
        // what transactions need, whatever the kafka.* overrides of the events producer say
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // runs on its own thread: it may wait for metadata and for the transaction's end, within the ack timeout
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        // an open transaction holds back every read_committed reader of the partitions it wrote: one this process
        // left open (it crashed mid-delete; a new process has another id) is aborted by the broker after this, plus
        // its abort check interval (transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default)
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
        this.topic = topic;
        this.codec = codec;
        this.ackTimeoutNanos = ackTimeout.toNanos();
    }

    /**
     * Completes when every copy is committed; exceptionally (with the Kafka exception) when none is, or when the
     * deletes queued before it kept it waiting past the ack timeout: a delete its client was answered 503 for is not
     * written later, where it would delete pushes sent after it.
     */
    CompletableFuture<Void> write(MetricEventBatch delete) {
        long deadline = System.nanoTime() + ackTimeoutNanos;
        return CompletableFuture.runAsync(() -> writeCopies(delete, deadline), thread);
    }

    private void writeCopies(MetricEventBatch delete, long deadline) {
        pastDeadline(deadline, "the delete waited longer than the ack timeout for the deletes before it");
        if (producer == null) {
            try {
                producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
                producer.initTransactions();
            } catch (RuntimeException e) {
                closeProducer();
                throw e;
            }
        }
        int partitions = producer.partitionsFor(topic).size();
        byte[] key = delete.getEventId().getBytes(StandardCharsets.UTF_8);
        byte[] value = codec.encode(delete);
        long timestamp = delete.getEmitTime().toEpochMilli();
        pastDeadline(deadline, "the events topic's partitions took longer than the ack timeout to find");
        try {
            producer.beginTransaction();
            for (int p = 0; p < partitions; p++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(DeleteCopy.HEADER, new DeleteCopy(p, partitions).header());
                producer.send(new ProducerRecord<>(topic, p, timestamp, key, value, headers));
            }
            producer.commitTransaction(); // throws if any copy failed
        } catch (RuntimeException e) {
            abortOrClose();
            throw e;
        }
    }

    private static void pastDeadline(long deadline, String message) {
        if (System.nanoTime() - deadline > 0) {
            throw new TimeoutException(message);
        }
    }

    /** Aborts the open transaction, so no reader waits for it; a producer that cannot abort is closed. */
    private void abortOrClose() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            log.debug("aborting the delete transaction: {}", e.toString());
            closeProducer();
        }
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                log.debug("closing the delete producer: {}", e.toString());
            }
            producer = null;
        }
    }

    @Override
    public void close() {
        thread.execute(this::closeProducer);
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
