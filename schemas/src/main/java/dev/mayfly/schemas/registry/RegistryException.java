package dev.mayfly.schemas.registry;

/** The schema registry could not be reached, timed out, or answered with an error; the message says which. */
public final class RegistryException extends RuntimeException {
    private final int status;

    public RegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status the registry answered, or 0 when it gave no answer (unreachable, timed out). */
    public int status() {
        return status;
    }
}
