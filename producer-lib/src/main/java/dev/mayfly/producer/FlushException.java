package dev.mayfly.producer;

/**
 * {@link MayflyMetrics#flush()} could not get a batch acknowledged by Kafka within the flush timeout. The batch is
 * kept, with its event id, and sent again by the next flush (downstream counts an event id once).
 */
public final class FlushException extends Exception {
    private final String eventId;

    public FlushException(String message, String eventId, Throwable cause) {
        super(message, cause);
        this.eventId = eventId;
    }

    /**
     * The event id of the (first) batch that was not acknowledged; null when the flush gave up waiting for another
     * flush of the same container to finish sending (its records are then in that send, or in the next one).
     */
    public String eventId() {
        return eventId;
    }
}
