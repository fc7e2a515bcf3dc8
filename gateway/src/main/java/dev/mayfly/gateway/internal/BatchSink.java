package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;

import java.util.concurrent.CompletableFuture;

/**
 * Where accepted pushes go; the HTTP handlers know only this interface.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #write} returns a future that completes normally only when the
 *       batch is durably stored (Kafka: acknowledged by every in-sync replica), and exceptionally otherwise, always
 *       within the sink's time limit. A handler answers 2xx only after normal completion.</li>
 *   <li>Failure is reported as {@link SinkException}: {@code UNAVAILABLE} (the store could not be reached, or did not
 *       answer in time) or {@code TOO_LARGE} (the encoded batch exceeds what the store takes). After {@code UNAVAILABLE}
 *       from a timeout the batch may still have been stored; a retry with the same event id is counted once.</li>
 *   <li>{@link #write} returns at once while {@link #writesWithoutWaiting} is true (callers that must not wait, such
 *       as event loops, write only then); otherwise it may wait up to the sink's time limit.</li>
 *   <li>Thread-safe: called concurrently from every request thread.</li>
 *   <li>No ordering between batches is promised: each batch is self-contained, keyed by its event id. A
 *       {@code DELETE_GROUP} batch is the exception: it is ordered after every batch whose write completed before it
 *       was written, and before every batch written after it completed (Kafka: one copy in every partition).</li>
 *   <li>The sink does not validate points; handlers send only batches they accepted whole.</li>
 * </ul>
 */
public interface BatchSink extends AutoCloseable {
    /**
     * @param uniqueId the gateway made the batch's event id for this batch alone (a random UUID; no Idempotency-Key):
     *                 no other batch carries it, and the sink may tell the engine so
     *                 ({@link dev.mayfly.schemas.Topics#HEADER_UNIQUE_EVENT_ID})
     */
    CompletableFuture<Void> write(MetricEventBatch batch, boolean uniqueId);

    /** True while the sink believes a write would succeed (it has reached the store and its last write did not fail). */
    boolean isReady();

    /** True while {@link #write} cannot wait: everything a write needs is at hand. */
    boolean writesWithoutWaiting();

    @Override
    void close();

    /** Why a write failed. */
    final class SinkException extends RuntimeException {
        public enum Kind { UNAVAILABLE, TOO_LARGE }

        private final Kind kind;

        public SinkException(Kind kind, String message, Throwable cause) {
            super(message, cause, false, false);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }
}
