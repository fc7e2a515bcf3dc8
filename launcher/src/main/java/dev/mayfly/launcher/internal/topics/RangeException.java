package dev.mayfly.launcher.internal.topics;

import java.time.Duration;

/** A range that cannot be read: the cluster does not answer, or the topic does not exist. The message is one line. */
public final class RangeException extends RuntimeException {
    public RangeException(String message) {
        super(message);
    }

    static RangeException unreachable(String bootstrapServers, Duration timeout, Throwable cause) {
        RangeException e = new RangeException("cannot reach Kafka at " + bootstrapServers + " within "
                + timeout.toSeconds() + " s (is it running? see --bootstrap-servers)");
        e.initCause(cause);
        return e;
    }
}
