package dev.mayfly.producer;

/** One counter series: counts up during an invocation; {@link MayflyMetrics#flush()} reports the increase (delta). */
public interface CounterDataPoint {
    /** Adds 1. */
    default void inc() {
        inc(1.0);
    }

    /**
     * Adds {@code amount}.
     *
     * @throws IllegalArgumentException when {@code amount} is negative, NaN or infinite (a counter never goes down, and stays finite)
     */
    void inc(double amount);
}
