package dev.mayfly.producer;

/**
 * One gauge series: a value that goes up and down. {@link MayflyMetrics#flush()} reports its last value, and only when
 * it was changed since the previous flush.
 */
public interface GaugeDataPoint {
    void set(double value);

    default void inc() {
        inc(1.0);
    }

    void inc(double amount);

    default void dec() {
        inc(-1.0);
    }

    default void dec(double amount) {
        inc(-amount);
    }
}
