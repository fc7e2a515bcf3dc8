package dev.mayfly.exporter;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the process running the exporter adds to its status page. Called on HTTP threads, at every page view: both
 * methods must be cheap and thread-safe.
 */
public interface ProcessStatus {
    /** Each service of the process, in start order, with its state: {@code ready}, {@code starting} or {@code failed}. */
    Map<String, String> services();

    /** Every setting in force (defaults included), by key, with secrets already masked. */
    Map<String, String> settings();

    /** The newest pushes this process's gateway refused, newest first (none without a gateway). */
    default List<RefusedPush> refusedPushes() {
        return List.of();
    }

    /** A refused push: when, which API and path, the reason, the HTTP status and the message the client got. */
    record RefusedPush(Instant time, String api, String path, String reason, int status, String message) {
    }

    /** A process that tells nothing beyond the exporter itself. */
    static ProcessStatus none() {
        return new ProcessStatus() {
            @Override
            public Map<String, String> services() {
                return Map.of();
            }

            @Override
            public Map<String, String> settings() {
                return Map.of();
            }
        };
    }
}
