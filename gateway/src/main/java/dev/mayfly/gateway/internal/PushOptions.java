package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.Temporality;

import java.util.Locale;

/**
 * How the counters and histograms of one push are to be read.
 *
 * @param temporality        DELTA (this push holds only its own counts) or CUMULATIVE (running totals of a stream)
 * @param streamId           the stream a CUMULATIVE push belongs to; null for DELTA
 * @param defaultAggregation the aggregation asked for every point of the push (a grouping-key hint), or null
 * @param maxSeries          the most points (series) one push may carry
 */
public record PushOptions(Temporality temporality, String streamId, Aggregation defaultAggregation, int maxSeries) {
    /** Reserved label (grouping key or sample) that asks for an aggregation: sum, last, max or min. */
    public static final String AGGREGATION_LABEL = "mayfly_aggregation";
    /** Reserved grouping-key label that chooses the push style: delta or cumulative. */
    public static final String TEMPORALITY_LABEL = "mayfly_temporality";
    /** Header that chooses the push style, for clients that cannot add a grouping label. */
    public static final String TEMPORALITY_HEADER = "Mayfly-Temporality";

    public static Aggregation parseAggregation(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "sum" -> Aggregation.SUM;
            case "last" -> Aggregation.LAST;
            case "max" -> Aggregation.MAX;
            case "min" -> Aggregation.MIN;
            default -> throw PushRejected.badRequest(PushRejected.RESERVED_NAME,
                    "label " + AGGREGATION_LABEL + " must be one of sum, last, max, min, got '" + text + "'");
        };
    }

    public static Temporality parseTemporality(String text, String where) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "delta" -> Temporality.DELTA;
            case "cumulative" -> Temporality.CUMULATIVE;
            default -> throw PushRejected.badRequest(PushRejected.INVALID_GROUPING_KEY,
                    where + " must be delta or cumulative, got '" + text + "'");
        };
    }
}
