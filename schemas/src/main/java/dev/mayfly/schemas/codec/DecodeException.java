package dev.mayfly.schemas.codec;

/** Bytes that are not a record of the expected schema in either framing. The message says why, for a dead-letter record. */
public final class DecodeException extends RuntimeException {
    /** The reason when the schema registry could not answer: the bytes may be fine, and decoding may succeed later. */
    public static final String REGISTRY_UNAVAILABLE = "registry_error";

    private final String reason;

    public DecodeException(String reason, String detail, Throwable cause) {
        super(reason + ": " + detail, cause);
        this.reason = reason;
    }

    /** A short, stable reason code suitable as a metric label (e.g. {@code unknown_framing}). */
    public String reason() {
        return reason;
    }

    /** True when the failure says nothing about the bytes (the registry was unavailable): retry, do not reject them. */
    public boolean isTransient() {
        return REGISTRY_UNAVAILABLE.equals(reason);
    }
}
