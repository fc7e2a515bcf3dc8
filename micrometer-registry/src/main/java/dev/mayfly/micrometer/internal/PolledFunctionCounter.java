package dev.mayfly.micrometer.internal;

import dev.mayfly.producer.CounterDataPoint;
import io.micrometer.core.instrument.AbstractMeter;
import io.micrometer.core.instrument.FunctionCounter;

import java.lang.ref.WeakReference;
import java.util.function.ToDoubleFunction;

/**
 * A Micrometer function counter: its cumulative function is read at each publish and the increase since the previous
 * read ({@link CumulativeDelta}) added to a Mayfly counter series. Holds its object weakly, as Micrometer does.
 * Thread-safe.
 */
public final class PolledFunctionCounter<T> extends AbstractMeter implements FunctionCounter, Polled {
    private final WeakReference<T> ref;
    private final ToDoubleFunction<T> function;
    private final CounterDataPoint series;
    private final CumulativeDelta delta;

    /** @param delta the reads of this id so far (shared with an earlier meter of the same id, if any) */
    public PolledFunctionCounter(Id id, T obj, ToDoubleFunction<T> function, CumulativeDelta delta, CounterDataPoint series) {
        super(id);
        this.delta = delta;
        this.ref = new WeakReference<>(obj);
        this.function = function;
        this.series = series;
    }

    @Override
    public double count() {
        return PolledGauge.apply(ref.get(), function);
    }

    /** Reads and hands over the increase under one lock: two publishes at once must not both count it. */
    @Override
    public synchronized void poll() {
        double increase = delta.next(count());
        if (increase > 0) {
            series.inc(increase);
        }
    }
}
