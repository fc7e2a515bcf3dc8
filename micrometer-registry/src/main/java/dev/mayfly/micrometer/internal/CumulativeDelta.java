package dev.mayfly.micrometer.internal;

/**
 * Turns a cumulative count read at each publish (a {@code FunctionCounter}'s function) into the increase since the
 * previous read. A count lower than the previous one means its source restarted from 0, so the whole count is the
 * increase. A value that is not a finite count of 0 or more (NaN when the source object was garbage collected) is an
 * increase of 0 and is not remembered. Thread-safe.
 */
public final class CumulativeDelta {
    private double last;

    /** The increase since the previous call (the first call: the whole count). */
    public synchronized double next(double cumulative) {
        if (!Double.isFinite(cumulative) || cumulative < 0) {
            return 0;
        }
        double delta = cumulative >= last ? cumulative - last : cumulative;
        last = cumulative;
        return delta;
    }
}
