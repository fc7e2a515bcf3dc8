package dev.mayfly.producer.internal;

import dev.mayfly.schemas.MetricNames;

import java.util.Set;

/** Validation of metric and label names, as Prometheus and Mayfly require them. */
public final class Names {
    /** Set by Mayfly from the batch's source: a point label of the same name would be overridden. */
    private static final Set<String> RESERVED_LABELS = Set.of("job", "function", "region", "instance");

    private Names() {
    }

    public static String checkMetricName(String name) {
        if (!MetricNames.isMetricName(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a valid metric name: use letters, digits, _ and :, not starting with a digit");
        }
        if (MetricNames.isReserved(name)) {
            throw new IllegalArgumentException("metric name " + name + ": names starting with mayfly_ are reserved for Mayfly's own metrics");
        }
        return name;
    }

    /** A counter's name: a valid metric name that is still a name of its own without its {@code _total} suffix. */
    public static void checkCounterName(String name) {
        String problem = MetricNames.counterNameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    public static String checkLabelName(String metric, String label) {
        if (!MetricNames.isLabelName(label)) {
            throw new IllegalArgumentException(metric + ": '" + label + "' is not a valid label name: use letters, digits and _,"
                    + " not starting with a digit or __");
        }
        if (RESERVED_LABELS.contains(label)) {
            throw new IllegalArgumentException(metric + ": label name " + label + " is set by Mayfly from the source "
                    + "(job, function, region; instance is never a label)");
        }
        return label;
    }
}
