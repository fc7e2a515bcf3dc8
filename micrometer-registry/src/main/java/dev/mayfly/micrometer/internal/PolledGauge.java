package dev.mayfly.micrometer.internal;

import dev.mayfly.producer.GaugeDataPoint;
import io.micrometer.core.instrument.AbstractMeter;
import io.micrometer.core.instrument.Gauge;

import java.lang.ref.WeakReference;
import java.util.function.ToDoubleFunction;

/**
 * A Micrometer gauge: its function is read at each publish and the value set on a Mayfly gauge series (served as
 * the last value). Like Micrometer's own gauges it holds its object weakly; once the object is gone, or while the
 * function fails or returns NaN, nothing is published. Thread-safe.
 */
public final class PolledGauge<T> extends AbstractMeter implements Gauge, Polled {
    private final WeakReference<T> ref;
    private final ToDoubleFunction<T> function;
    private final GaugeDataPoint series;

    public PolledGauge(Id id, T obj, ToDoubleFunction<T> function, GaugeDataPoint series) {
        super(id);
        this.ref = new WeakReference<>(obj);
        this.function = function;
        this.series = series;
    }

    @Override
    public double value() {
        return apply(ref.get(), function);
    }

    @Override
    public void poll() {
        double v = value();
        if (!Double.isNaN(v)) {
            series.set(v);
        }
    }

    /** {@code function(obj)}, or NaN when the object is gone or the function throws. */
    static <T> double apply(T obj, ToDoubleFunction<T> function) {
        if (obj == null) {
            return Double.NaN;
        }
        try {
            return function.applyAsDouble(obj);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
