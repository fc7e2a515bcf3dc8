package dev.mayfly.schemas;

/**
 * The gateway's events API, as both its ends name it (the gateway serves it, the producer library's HTTP transport
 * posts to it): one {@code MetricEventBatch} per request, in Avro single-object encoding.
 */
public final class EventsApi {
    /** The path batches are posted to. */
    public static final String PATH = "/v1/events";
    /** The media type of the body. */
    public static final String MEDIA_TYPE = "application/vnd.mayfly.events+avro";

    private EventsApi() {
    }
}
