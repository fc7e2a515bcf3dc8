package dev.mayfly.producer.internal;

import dev.mayfly.producer.FlushException;
import dev.mayfly.schemas.avro.MetricEventBatch;

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

/**
 * Sends event batches through a {@link Transport} (Kafka, or the gateway's events API) and waits, at most the flush
 * timeout, for their acknowledgement.
 *
 * <p>Contract: a batch that is not acknowledged stays pending, with its event id and its encoded bytes, and is sent
 * again as-is (before any newer batch) by the next {@link #send}; downstream counts an event id once, so a batch that
 * did land the first time is not counted twice. A batch the transport says is refused for good (the gateway answered
 * 4xx: it would never be accepted) is dropped, and the failure says so. At most {@code maxPending} batches are kept:
 * beyond that the oldest are dropped (and the next failure says how many). Thread-safe (one send at a time).
 */
public final class BatchSender implements AutoCloseable {
    /**
     * How batches reach Mayfly. Called by one thread at a time (the sender's lock).
     */
    public interface Transport {
        /** The batch's bytes as this transport sends them; called once per batch, the bytes are resent unchanged. */
        byte[] encode(MetricEventBatch batch);

        /**
         * Starts sending one batch and returns at once or, for a transport that cannot pipeline, when it is answered;
         * the future completes once the batch is acknowledged, or fails with why. Throws when it cannot start.
         */
        Future<?> send(MetricEventBatch batch, byte[] key, byte[] encoded, long deadlineNanos);

        /** Whether a failure means the batch will never be accepted (resending it is pointless). */
        boolean refusedForGood(Throwable cause);

        /** After a failure: drop what a retry should not reuse (Kafka: a producer after an error that is not retriable). */
        void failed(Throwable cause);

        /** Where batches go, for messages: {@code topic mayfly-events} or the gateway's URL. */
        String destination();

        /** Releases connections, waiting at most {@code timeout} for batches in flight. */
        void close(Duration timeout);
    }

    private final Transport transport;
    private final Duration timeout;
    private final int maxPending;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private long dropped;

    public BatchSender(Transport transport, Duration timeout, int maxPending) {
        this.transport = transport;
        this.timeout = timeout;
        this.maxPending = maxPending;
    }

    /**
     * Adds {@code batch} (when not null) after the pending ones, sends them all in order, and waits until they are
     * acknowledged or the flush timeout passes.
     *
     * @throws FlushException naming the first batch not acknowledged; it and every other unacknowledged batch stay
     *     pending, except those refused for good
     */
    public void send(MetricEventBatch batch) throws FlushException {
        send(batch, System.nanoTime() + timeout.toNanos());
    }

    /** {@link #send(MetricEventBatch)}, waiting until {@code deadline} ({@link System#nanoTime}) at most. */
    public synchronized void send(MetricEventBatch batch, long deadline) throws FlushException {
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
        Map<Pending, Future<?>> inFlight = new LinkedHashMap<>();
        Pending firstFailed = null;
        Throwable firstCause = null;
        boolean firstDropped = false;
        boolean anyDropped = false;
        for (Pending b : pending) {
            if (System.nanoTime() >= deadline) {
                if (firstFailed == null) {
                    firstFailed = b;
                    firstCause = new java.util.concurrent.TimeoutException("flush timeout reached before it could be sent");
                }
                break;
            }
            try {
                inFlight.put(b, transport.send(b.batch, b.key, b.encoded(), deadline));
            } catch (RuntimeException e) { // encoding (registry), a producer that cannot be created, a send that failed at once
                if (firstFailed == null) {
                    firstFailed = b;
                    firstCause = e;
                }
            }
        }
        List<Pending> done = new ArrayList<>();
        for (Map.Entry<Pending, Future<?>> e : inFlight.entrySet()) {
            try {
                e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                done.add(e.getKey());
            } catch (ExecutionException ex) {
                boolean refused = transport.refusedForGood(ex.getCause());
                if (refused) {
                    done.add(e.getKey());
                    anyDropped = true;
                }
                if (firstFailed == null) {
                    firstFailed = e.getKey();
                    firstCause = ex.getCause();
                    firstDropped = refused;
                }
                transport.failed(ex.getCause());
            } catch (java.util.concurrent.TimeoutException ex) {
                if (firstFailed == null) {
                    firstFailed = e.getKey();
                    firstCause = new java.util.concurrent.TimeoutException("not acknowledged within the flush timeout");
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
        pending.removeAll(done);
        if (firstFailed != null) {
            throw failure(firstFailed, firstDropped ? "refused, and dropped: it would never be accepted" : "not acknowledged", firstCause,
                    anyDropped);
        }
    }

    /** The event ids of the batches kept for the next send, oldest first. */
    public synchronized List<String> pendingEventIds() {
        List<String> ids = new ArrayList<>();
        pending.forEach(p -> ids.add(p.batch.getEventId()));
        return ids;
    }

    /** How many Kafka producers this sender has created (one, unless one failed beyond retrying; none over HTTP). */
    public synchronized int producersCreated() {
        return transport instanceof KafkaTransport kafka ? kafka.producersCreated() : 0;
    }

    /** Closes the transport, waiting at most the flush timeout for batches in flight. Pending batches are dropped. */
    @Override
    public synchronized void close() {
        transport.close(timeout);
    }

    private FlushException failure(Pending first, String what, Throwable cause, boolean anyDropped) {
        StringBuilder message = new StringBuilder("flush to ").append(transport.destination()).append(" failed within ")
                .append(timeout.toMillis()).append(" ms: event ").append(first.batch.getEventId()).append(' ').append(what)
                .append(": ").append(cause);
        message.append("; ").append(pending.size()).append(pending.size() == 1 ? " batch" : " batches")
                .append(" kept for the next flush ").append(pendingEventIds());
        if (dropped > 0) {
            message.append("; ").append(dropped).append(" older batches were dropped (more than ").append(maxPending).append(" pending)");
            dropped = 0;
        }
        return new FlushException(message.toString(), first.batch.getEventId(), cause, anyDropped);
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
                encoded = transport.encode(batch);
            }
            return encoded;
        }
    }
}
