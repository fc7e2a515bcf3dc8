package dev.mayfly.exporter;

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
