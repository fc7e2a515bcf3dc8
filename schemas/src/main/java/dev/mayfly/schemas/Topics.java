package dev.mayfly.schemas;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import org.apache.kafka.common.header.Headers;

/** Default names of Mayfly's topics. Every service takes them from config; these are the defaults. */
public final class Topics {
    /** Raw metric event batches, keyed by event id (so a retry reaches the partition that saw the original). Retained and replayable. */
    public static final String EVENTS = "mayfly-events";
    /** Aggregates keyed by series key; compacted; written only in committed transactions. */
    public static final String AGGREGATES = "mayfly-aggregates";
    /** Records the pipeline rejected, with the reason in headers. */
    public static final String DEAD_LETTER = "mayfly-dead-letter";

    /** Dead-letter record header: why the record was rejected. */
    public static final String HEADER_REASON = "mayfly.reason";
    /** Dead-letter record header: the detail of the reason (which point, which value). */
    public static final String HEADER_DETAIL = "mayfly.detail";
    /** Dead-letter record header: the topic, partition and offset the rejected record came from. */
    public static final String HEADER_SOURCE_TOPIC = "mayfly.source.topic";
    public static final String HEADER_SOURCE_PARTITION = "mayfly.source.partition";
    public static final String HEADER_SOURCE_OFFSET = "mayfly.source.offset";
    /**
     * Header of an events record whose event id the gateway made for it alone (a random UUID: the push had no
     * Idempotency-Key, or merged concurrent pushes of one group). No other record carries that id, so the engine does
     * not look it up among the ids it has counted (a retry of such a push gets a new id anyway). Value {@code 1}.
     */
    public static final String HEADER_UNIQUE_EVENT_ID = "mayfly.unique.event.id";
    /**
     * Header of an events record that carries only the time: a batch without points that a gateway writes while no push
     * arrives ({@code mayfly-gateway-tick}), so the engine's clock (series expiry, windows) moves on while nothing is
     * pushed, in a live run and in a replay alike. It counts nothing and is no job's push. Value {@code 1}.
     */
    public static final String HEADER_TICK = "mayfly.tick";
    /**
     * Whether an events record is a tick: headed {@link #HEADER_TICK} and a batch without points. A record headed so
     * that carries points is what it carries: counted, shown and filtered as any batch. The one home of this rule.
     */
    public static boolean isTick(Headers headers, MetricEventBatch batch) {
        return headers.lastHeader(HEADER_TICK) != null && batch != null && batch.getPoints().isEmpty()
                && batch.getOperation() == Operation.RECORD;
    }

    /** Header of an events record {@code mayfly redrive} published: the event id of the batch it was dead-lettered under. */
    public static final String HEADER_REDRIVEN_EVENT_ID = "mayfly.redrive.event.id";
    /** Header of an events record {@code mayfly redrive} published: the dead letter it came from, {@code topic/partition/offset}. */
    public static final String HEADER_REDRIVEN_FROM = "mayfly.redrive.from";

    private Topics() {
    }
}
