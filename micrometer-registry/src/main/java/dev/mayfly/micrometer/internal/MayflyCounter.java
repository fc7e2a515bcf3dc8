package dev.mayfly.micrometer.internal;

import dev.mayfly.producer.CounterDataPoint;
import io.micrometer.core.instrument.AbstractMeter;
import io.micrometer.core.instrument.Counter;

import java.util.concurrent.atomic.DoubleAdder;

/**
 * A Micrometer counter recorded into a Mayfly counter series (which reports the increase since the previous flush).
 * An increment that is negative, NaN or infinite is ignored (a Prometheus counter only goes up and stays finite), so
 * {@link #count()} is what was published. Thread-safe.
 */
public final class MayflyCounter extends AbstractMeter implements Counter {
    private final CounterDataPoint series;
    private final DoubleAdder count = new DoubleAdder();

    public MayflyCounter(Id id, CounterDataPoint series) {
        super(id);
        this.series = series;
    }

    @Override
    public void increment(double amount) {
        if (amount >= 0 && amount != Double.POSITIVE_INFINITY) {
            series.inc(amount);
            count.add(amount);
        }
    }

    @Override
    public double count() {
        return count.sum();
    }
}
