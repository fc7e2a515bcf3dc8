package dev.mayfly.producer;

/**
 * {@link MayflyMetrics#flush()} could not get a batch acknowledged by Kafka within the flush timeout. The batch is
 * kept, with its event id, and sent again by the next flush (downstream counts an event id once), unless
 * {@link #dropped()}: Mayfly refused it for good (the gateway answered a 4xx other than 408 and 429).
 */
public final class FlushException extends Exception {
    private final String eventId;
    private final boolean dropped;

    public FlushException(String message, String eventId, Throwable cause) {
        this(message, eventId, cause, false);
    }

    public FlushException(String message, String eventId, Throwable cause, boolean dropped) {
        super(message, cause);
        this.eventId = eventId;
        this.dropped = dropped;
    }

    /** Whether a batch was refused for good and dropped: its points will never be counted. */
    public boolean dropped() {
        return dropped;
    }

    /**
     * The event id of the (first) batch that was not acknowledged; null when the flush gave up waiting for another
     * flush of the same container to finish sending (its records are then in that send, or in the next one).
     */
    public String eventId() {
        return eventId;
    }
}
