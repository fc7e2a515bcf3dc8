package dev.mayfly.micrometer.internal;

import dev.mayfly.producer.Counter;
import dev.mayfly.producer.CounterDataPoint;
import dev.mayfly.producer.Gauge;
import dev.mayfly.producer.GaugeDataPoint;
import dev.mayfly.producer.Histogram;
import dev.mayfly.producer.HistogramDataPoint;
import dev.mayfly.producer.MayflyMetrics;
import io.micrometer.core.instrument.Tag;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds or creates the Mayfly series of a meter in the producer library: the family is the meter's convention name
 * (a counter's plus {@code _total}), its label names the meter's tag keys plus the grouping labels, sorted; a
 * grouping label wins over a tag of the same key. Everything the producer library checks (valid and unreserved label
 * names, the same label names and bounds for every meter of one name, the label count and value limits) is checked
 * here, at the meter's registration: a refusal is an {@link IllegalArgumentException} naming the rule. Thread-safe.
 */
public final class SeriesFactory {
    private final MayflyMetrics metrics;
    private final Map<String, String> groupingLabels;

    public SeriesFactory(MayflyMetrics metrics, Map<String, String> groupingLabels) {
        this.metrics = metrics;
        this.groupingLabels = Map.copyOf(groupingLabels);
    }

    public CounterDataPoint counter(String conventionName, String help, List<Tag> tags) {
        Labels labels = labels(tags);
        Counter.Builder family = metrics.counter(PrometheusNames.exposedCounterName(conventionName)).labelNames(labels.names);
        if (help != null) {
            family.help(help);
        }
        return family.register().labelValues(labels.values);
    }

    public GaugeDataPoint gauge(String conventionName, String help, List<Tag> tags) {
        Labels labels = labels(tags);
        Gauge.Builder family = metrics.gauge(conventionName).labelNames(labels.names);
        if (help != null) {
            family.help(help);
        }
        return family.register().labelValues(labels.values);
    }

    public HistogramDataPoint histogram(String conventionName, String help, List<Tag> tags, double[] upperBounds) {
        Labels labels = labels(tags);
        Histogram.Builder family = metrics.histogram(conventionName).labelNames(labels.names).classicUpperBounds(upperBounds);
        if (help != null) {
            family.help(help);
        }
        return family.register().labelValues(labels.values);
    }

    private Labels labels(List<Tag> tags) {
        Map<String, String> labels = new TreeMap<>();
        for (Tag t : tags) {
            labels.put(t.getKey(), t.getValue());
        }
        labels.putAll(groupingLabels);
        return new Labels(labels.keySet().toArray(String[]::new), labels.values().toArray(String[]::new));
    }

    private record Labels(String[] names, String[] values) {
    }
}
