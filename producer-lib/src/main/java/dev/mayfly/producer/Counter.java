package dev.mayfly.producer;

import dev.mayfly.producer.internal.Names;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Temporality;

import java.util.List;

/**
 * A counter: {@code metrics.counter("requests_total").help("Requests.").labelNames("route").register()}.
 * Each flush reports, per series, the increase since the previous flush (delta temporality). A series reports 0 on the
 * first flush after it was created, so that it exists from the start.
 */
public final class Counter extends Family<Counter.Series> implements CounterDataPoint {

    private Counter(String name, String help, List<String> labelNames) {
        super(name, help, labelNames);
    }

    /** The series with these label values (one per label name, in order), created on first use. */
    public CounterDataPoint labelValues(String... labelValues) {
        return series(labelValues);
    }

    /** Adds {@code amount} to the counter without labels. */
    @Override
    public void inc(double amount) {
        unlabelled().inc(amount);
    }

    @Override
    MetricType type() {
        return MetricType.COUNTER;
    }

    @Override
    Series newSeries() {
        return new Series(name);
    }

    public static final class Builder extends Family.Builder<Builder, Counter> {
        Builder(Registry registry, String name) {
            super(registry, name);
            Names.checkCounterName(name);
        }

        @Override
        Builder self() {
            return this;
        }

        @Override
        public Counter register() {
            return registry.register(new Counter(name, help, labelNames));
        }
    }

    static final class Series extends Family.Series implements CounterDataPoint {
        private final String name;
        private double delta;
        private boolean changed;
        private boolean reported;

        Series(String name) {
            this.name = name;
        }

        @Override
        public synchronized void inc(double amount) {
            if (!(amount >= 0) || amount == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(name + ": a counter increment must be finite and 0 or more, got " + amount);
            }
            delta += amount;
            changed = true;
        }

        @Override
        synchronized MetricPoint.Builder takeSnapshot() {
            if (!changed && reported) {
                return null;
            }
            MetricPoint.Builder point = MetricPoint.newBuilder().setName(name).setType(MetricType.COUNTER)
                    .setValue(delta).setTemporality(Temporality.DELTA);
            delta = 0;
            changed = false;
            reported = true;
            return point;
        }
    }
}
