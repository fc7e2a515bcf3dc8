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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Writes a group delete once to each partition of the events topic, in one transaction, every copy with its
 * {@link DeleteCopy} header and the delete's emit time as its timestamp (so every copy meets the same checks): the
 * engine then deletes exactly the pushes written before the delete in every partition, and none written after it.
 * The copies become visible together or not at all.
 *
 * <p>One transactional producer ({@code transactional.id} {@code mayfly-gateway-deletes-<random>}, one per gateway
 * process), created at the first delete, so a gateway that never deletes never holds it. Deletes are written on its
 * own thread, those that queued during a transaction together in the next. A failed transaction is aborted (or, when
 * even that fails, the producer is closed: the next delete starts a new producer with the same id, which aborts
 * whatever the old one left open). A transaction left
 * open by a gateway that died mid-delete holds back the engine's reads of the events topic until the broker aborts it:
 * {@code transaction.timeout.ms} is the ack timeout.
 */
final class DeleteCopiesWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeleteCopiesWriter.class);
    /** Most deletes written in one transaction: those queued while the previous transaction was under way. */
    static final int MAX_PER_TRANSACTION = 100;

    private final Map<String, Object> config;
    private final Function<Map<String, Object>, Producer<byte[], byte[]>> producers;
    private final String topic;
    private final AvroCodec<MetricEventBatch> codec;
    /** A delete must start its transaction within this of its arrival. */
    private final long startWithinNanos;
    private final long closeWithinMillis;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean closed;
    /** Used on {@link #worker} only. */
    private Producer<byte[], byte[]> producer;

    /** @param producerConfig the events producer's configuration, made transactional here */
    DeleteCopiesWriter(Map<String, Object> producerConfig, String topic, AvroCodec<MetricEventBatch> codec, Duration ackTimeout) {
        this(producerConfig, topic, codec, ackTimeout, null);
    }

    /** @param producers makes the transactional producer (null: a {@link KafkaProducer} of the configuration) */
    DeleteCopiesWriter(Map<String, Object> producerConfig, String topic, AvroCodec<MetricEventBatch> codec, Duration ackTimeout,
                       Function<Map<String, Object>, Producer<byte[], byte[]>> producers) {
        this.producers = producers != null ? producers
                : c -> new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
        this.config = new HashMap<>(producerConfig);
        int timeoutMs = (int) Math.max(ackTimeout.toMillis(), 1000);
        // half the ack timeout to start and half to end a transaction: its outcome is known before the client is
        // answered (the answer's own timeout is the ack timeout and more)
        int stepMs = Math.max(timeoutMs / 2, 500);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mayfly-gateway-deletes-" + UUID.randomUUID());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "mayfly-gateway-deletes");
        // what transactions need, whatever the kafka.* overrides of the events producer say
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // runs on its own thread: it may wait for metadata and for the transaction's end, within the ack timeout
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, stepMs);
        // an open transaction holds back every read_committed reader of the partitions it wrote: one this process
        // left open (it crashed mid-delete; a new process has another id) is aborted by the broker after this, plus
        // its abort check interval (transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default)
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
        this.topic = topic;
        this.codec = codec;
        this.startWithinNanos = TimeUnit.MILLISECONDS.toNanos(stepMs);
        this.closeWithinMillis = timeoutMs;
        this.worker = new Thread(this::run, "mayfly-gateway-deletes");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Completes when every copy is committed, within the ack timeout; exceptionally when none is (an abort), when the
     * transaction's end is not known in time (a commit that timed out: like any write answered 503 after a timeout,
     * it may still have been applied), or when the deletes before it kept it from starting within half the ack
     * timeout (never written: a delete its client gave up on does not delete, later, pushes sent after it). Deletes
     * queued while a transaction is under way are written together in the next one (at most
     * {@link #MAX_PER_TRANSACTION}), in the order they came.
     */
    CompletableFuture<Void> write(MetricEventBatch delete) {
        Pending pending = new Pending(delete, System.nanoTime() + startWithinNanos, new CompletableFuture<>());
        queue.add(pending);
        if (closed && queue.remove(pending)) {
            pending.done.completeExceptionally(new TimeoutException("the gateway is closing"));
        }
        return pending.done;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (!closed) {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, MAX_PER_TRANSACTION - 1);
                try {
                    writeCopies(batch);
                } catch (Throwable e) { // the thread must live on: every later delete waits for it
                    batch.forEach(p -> p.done.completeExceptionally(e));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeProducer();
            TimeoutException closing = new TimeoutException("the gateway is closing");
            batch.forEach(p -> p.done.completeExceptionally(closing)); // no-op for those already completed
            for (Pending p; (p = queue.poll()) != null; ) {
                p.done.completeExceptionally(closing);
            }
        }
    }

    /** Writes the batch's deletes that are still awaited in one transaction; completes each. */
    private void writeCopies(List<Pending> batch) {
        dropExpired(batch, "the delete could not start within half the ack timeout: the deletes before it took longer");
        if (batch.isEmpty()) {
            return;
        }
        if (producer == null) {
            try {
                producer = producers.apply(config);
                producer.initTransactions();
            } catch (RuntimeException e) {
                closeProducer();
                throw e;
            }
        }
        int partitions = producer.partitionsFor(topic).size();
        dropExpired(batch, "the delete could not start within half the ack timeout: the delete producer took longer to start");
        if (batch.isEmpty()) {
            return;
        }
        try {
            producer.beginTransaction();
            for (Pending p : batch) {
                byte[] key = p.delete.getEventId().getBytes(StandardCharsets.UTF_8);
                byte[] value = codec.encode(p.delete);
                long timestamp = p.delete.getEmitTime().toEpochMilli();
                for (int partition = 0; partition < partitions; partition++) {
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(DeleteCopy.HEADER, new DeleteCopy(partition, partitions).header());
                    producer.send(new ProducerRecord<>(topic, partition, timestamp, key, value, headers));
                }
            }
            producer.commitTransaction(); // throws if any copy failed
        } catch (RuntimeException e) {
            abortOrClose();
            throw e;
        }
        batch.forEach(p -> p.done.complete(null));
    }

    private static void dropExpired(List<Pending> batch, String message) {
        long now = System.nanoTime();
        batch.removeIf(p -> {
            if (now - p.deadline > 0) {
                p.done.completeExceptionally(new TimeoutException(message));
                return true;
            }
            return false;
        });
    }

    /**
     * Aborts the open transaction, so no reader waits for it. A producer that cannot abort (its commit timed out, or it
     * failed for good) is closed and a new one with the same id started at once: that aborts whatever the old one
     * left open, rather than leave every reader of the events topic waiting for the broker's transaction timeout.
     */
    private void abortOrClose() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            log.debug("aborting the delete transaction: {}", e.toString());
            closeProducer();
            try {
                producer = producers.apply(config);
                producer.initTransactions();
            } catch (RuntimeException again) {
                log.debug("restarting the delete producer: {}", again.toString());
                closeProducer(); // the next delete tries again
            }
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

    /** Stops taking deletes; lets the transaction under way end (within the ack timeout), then stops the worker. */
    @Override
    public void close() {
        closed = true;
        try {
            worker.join(closeWithinMillis);
            worker.interrupt();
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Pending(MetricEventBatch delete, long deadline, CompletableFuture<Void> done) {
    }
}
