package dev.mayfly.producer;

import dev.mayfly.producer.internal.Names;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.validation.MetricValidator;
import dev.mayfly.schemas.validation.Violation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** A metric family: its definition and its series (one per distinct label values). Thread-safe. */
abstract class Family<C extends Family.Series> {
    final String name;
    final String help;
    final List<String> labelNames;
    private final Map<List<String>, C> series = new ConcurrentHashMap<>();
    private MetricValidator validator;

    Family(String name, String help, List<String> labelNames) {
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
    }

    /** Called once the family is registered: a family without labels has its one series from the start. */
    void init(MetricValidator validator) {
        this.validator = validator;
        if (labelNames.isEmpty()) {
            series.computeIfAbsent(List.of(), k -> newSeries());
        }
    }

    abstract MetricType type();

    abstract C newSeries();

    /** Whether {@code other} asks for the same family as this one (so registering it again returns this). */
    boolean sameDefinition(Family<?> other) {
        return other.getClass() == getClass() && other.labelNames.equals(labelNames);
    }

    C series(String... values) {
        if (values == null || values.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " has label names " + labelNames + " but got "
                    + (values == null ? "null" : values.length + " label values " + Arrays.toString(values)));
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                throw new IllegalArgumentException(name + ": value of label " + labelNames.get(i) + " is null");
            }
        }
        C existing = series.get(Arrays.asList(values));
        return existing != null ? existing : series.computeIfAbsent(List.of(values), k -> {
            for (int i = 0; i < values.length; i++) {
                Violation v = validator.checkLabelValue(name, labelNames.get(i), values[i]);
                if (v != null) {
                    throw new IllegalArgumentException(v.detail());
                }
            }
            return newSeries();
        });
    }

    C unlabelled() {
        if (!labelNames.isEmpty()) {
            throw new IllegalStateException(name + " has label names " + labelNames + ": use labelValues(...)");
        }
        return series.computeIfAbsent(List.of(), k -> newSeries());
    }

    /** Adds a point for every series that has something to report, and resets what it reported. */
    void collect(List<MetricPoint> out) {
        for (Map.Entry<List<String>, C> e : series.entrySet()) {
            MetricPoint.Builder point = e.getValue().takeSnapshot();
            if (point == null) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            for (int i = 0; i < labelNames.size(); i++) {
                labels.put(labelNames.get(i), e.getKey().get(i));
            }
            out.add(point.setName(name).setHelp(help).setType(type()).setLabels(labels).build());
        }
    }

    /** One series' state since the last flush. */
    abstract static class Series {
        /** The point to report, with name, type and labels still to set; null when there is nothing to report. Resets. */
        abstract MetricPoint.Builder takeSnapshot();
    }

    /** Common builder part: name, help, label names. */
    abstract static class Builder<B extends Builder<B, M>, M> {
        final Registry registry;
        final String name;
        String help;
        List<String> labelNames = List.of();

        Builder(Registry registry, String name) {
            this.registry = registry;
            this.name = Names.checkMetricName(name);
        }

        abstract B self();

        /** The HELP text. */
        public B help(String help) {
            this.help = Objects.requireNonNull(help, "help");
            return self();
        }

        /** The names of the labels that tell this family's series apart; values are given by {@code labelValues(...)}. */
        public B labelNames(String... labelNames) {
            List<String> names = new ArrayList<>();
            for (String n : labelNames) {
                names.add(Names.checkLabelName(name, n));
                if (names.indexOf(n) != names.size() - 1) {
                    throw new IllegalArgumentException(name + ": label name " + n + " is given twice");
                }
            }
            this.labelNames = List.copyOf(names);
            return self();
        }

        /**
         * Registers the metric, or returns the one already registered under this name with the same type and label
         * names (so handler code may register on every invocation).
         *
         * @throws IllegalArgumentException when the name is registered with another type or other label names
         */
        public abstract M register();
    }
}
