package dev.mayfly.streams.internal;

import dev.mayfly.schemas.validation.Violation;

/**
 * Why a record or point was rejected (a {@link Violation} of the shared validator, or a rule only the engine knows):
 * a short stable {@code reason} code (the dead-letter reason header and the {@code reason} label of
 * {@code mayfly_pipeline_rejects}) and a human-readable {@code detail}.
 */
public record Rejection(String reason, String detail) {
    static Rejection of(String reason, String detail) {
        return new Rejection(reason, detail);
    }

    /** The rejection for a rule of the shared validator; null for null (the rule holds). */
    static Rejection of(Violation v) {
        return v == null ? null : new Rejection(v.reason(), v.detail());
    }
}
