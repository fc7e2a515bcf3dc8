package dev.mayfly.exporter.internal;

/** An aggregate that decoded but cannot be served; {@link #reason()} is a short metric label value. */
public final class RejectedAggregateException extends RuntimeException {
    private final String reason;

    public RejectedAggregateException(String reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
