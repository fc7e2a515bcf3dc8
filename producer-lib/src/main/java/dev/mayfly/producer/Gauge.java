package dev.mayfly.producer;

import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;

import java.util.List;

/**
 * A gauge: {@code metrics.gauge("queue_depth").help("Items waiting.").register()}. The value lives as long as the
 * container; a flush reports the last value of each series that was changed since the previous flush.
 */
public final class Gauge extends Family<Gauge.Series> implements GaugeDataPoint {

    private Gauge(String name, String help, List<String> labelNames) {
        super(name, help, labelNames);
    }

    /** The series with these label values (one per label name, in order), created on first use. */
    public GaugeDataPoint labelValues(String... labelValues) {
        return series(labelValues);
    }

    @Override
    public void set(double value) {
        unlabelled().set(value);
    }

    @Override
    public void inc(double amount) {
        unlabelled().inc(amount);
    }

    @Override
    MetricType type() {
        return MetricType.GAUGE;
    }

    @Override
    Series newSeries() {
        return new Series(name);
    }

    public static final class Builder extends Family.Builder<Builder, Gauge> {
        Builder(Registry registry, String name) {
            super(registry, name);
        }

        @Override
        Builder self() {
            return this;
        }

        @Override
        public Gauge register() {
            return registry.register(new Gauge(name, help, labelNames));
        }
    }

    static final class Series extends Family.Series implements GaugeDataPoint {
        private final String name;
        private double value;
        private boolean changed;

        Series(String name) {
            this.name = name;
        }

        @Override
        public synchronized void set(double value) {
            this.value = value;
            changed = true;
        }

        @Override
        public synchronized void inc(double amount) {
            value += amount;
            changed = true;
        }

        @Override
        synchronized MetricPoint.Builder takeSnapshot() {
            if (!changed) {
                return null;
            }
            changed = false;
            return MetricPoint.newBuilder().setName(name).setType(MetricType.GAUGE).setValue(value);
        }
    }
}
