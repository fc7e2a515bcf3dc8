package dev.mayfly.streams.internal;

import java.time.Duration;

/**
 * When the aggregate step publishes its changed series: with a commit (just before it, inside its transaction), the
 * first one at least the publish interval after the last publication, or the first one after the interval's
 * punctuation fired (commits and punctuations do not line up, so a commit a few milliseconds short of the interval
 * does not push the publication to the next one). Published on a timer of their own, changes would wait for the timer
 * and then for the next commit; with the commit they are visible as soon as it completes. A zero interval publishes
 * after every record instead, and never here. Wall-clock times in milliseconds; not thread-safe (one task's thread).
 */
final class PublishPace {
    private final long intervalMs;
    private long lastPublished;
    private boolean punctuated;

    /** Starts counting the interval at {@code nowMs}, as if a publication had just happened. */
    PublishPace(Duration interval, long nowMs) {
        this.intervalMs = interval.toMillis();
        this.lastPublished = nowMs;
    }

    /** The interval's punctuation fired: the next commit publishes. */
    void punctuated() {
        punctuated = true;
    }

    /** Whether the commit at {@code nowMs} publishes; if it does, the interval starts again from it. */
    boolean publishesAt(long nowMs) {
        if (intervalMs == 0 || !punctuated && nowMs - lastPublished < intervalMs) {
            return false;
        }
        punctuated = false;
        lastPublished = nowMs;
        return true;
    }
}
