package dev.mayfly.micrometer.internal;

/**
 * A meter whose value is read when the registry publishes (gauges, function counters), not when something is
 * recorded: {@link #poll()} hands the current value to its Mayfly series. Implementations are thread-safe.
 */
public interface Polled {
    void poll();
}
