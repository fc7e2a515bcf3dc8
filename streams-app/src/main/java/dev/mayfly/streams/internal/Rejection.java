package dev.mayfly.streams.internal;

/**
 * Why a record or point was rejected: a short stable {@code reason} code (the dead-letter reason header and the
 * {@code reason} label of {@code mayfly_pipeline_rejects}) and a human-readable {@code detail}.
 */
public record Rejection(String reason, String detail) {
    public static final String SUMMARY_DETAIL = "summaries cannot be aggregated; send a histogram";

    static Rejection of(String reason, String detail) {
        return new Rejection(reason, detail);
    }
}
