package dev.mayfly.micrometer.internal;

import dev.mayfly.producer.GaugeDataPoint;
import io.micrometer.core.instrument.AbstractMeter;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.util.TimeUtils;

import java.lang.ref.WeakReference;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/** A Micrometer time gauge: as {@link PolledGauge}, its value converted to seconds. Thread-safe. */
public final class PolledTimeGauge<T> extends AbstractMeter implements TimeGauge, Polled {
    private final WeakReference<T> ref;
    private final TimeUnit functionUnit;
    private final ToDoubleFunction<T> function;
    private final GaugeDataPoint series;

    public PolledTimeGauge(Id id, T obj, TimeUnit functionUnit, ToDoubleFunction<T> function, GaugeDataPoint series) {
        super(id);
        this.ref = new WeakReference<>(obj);
        this.functionUnit = functionUnit;
        this.function = function;
        this.series = series;
    }

    @Override
    public TimeUnit baseTimeUnit() {
        return TimeUnit.SECONDS;
    }

    @Override
    public double value() {
        return TimeUtils.convert(PolledGauge.apply(ref.get(), function), functionUnit, TimeUnit.SECONDS);
    }

    @Override
    public void poll() {
        double v = value();
        if (!Double.isNaN(v)) {
            series.set(v);
        }
    }
}
