package dev.mayfly.launcher.internal.events;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.SeriesLabels;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.config.ConfigException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which batches {@code mayfly events} keeps: those of the job (when given) with at least one point whose name (as
 * sent) matches the metric glob and whose series labels (see {@link SeriesLabels}: point labels, grouping labels,
 * job, function, region) include every {@code --label k=v}. A batch without points (a group deletion) is kept on
 * its grouping labels when no metric glob is given. Whole batches are kept: their points are not trimmed.
 */
public final class BatchFilter {
    private final String job;
    private final Pattern metric;
    private final Map<String, String> labels;

    private BatchFilter(String job, Pattern metric, Map<String, String> labels) {
        this.job = job;
        this.metric = metric;
        this.labels = labels;
    }

    /**
     * The filter of the flags; each may be null or empty (keeps everything).
     *
     * @throws ConfigException when a label is not {@code name=value}
     */
    public static BatchFilter of(String job, String metricGlob, List<String> labelArgs) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String arg : labelArgs == null ? List.<String>of() : labelArgs) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--label '" + arg + "' must be NAME=VALUE");
            }
            labels.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return new BatchFilter(job, metricGlob == null ? null : MetricNames.glob(metricGlob), labels);
    }

    /** True when the filter keeps every batch (even one that cannot be decoded). */
    public boolean keepsAll() {
        return job == null && metric == null && labels.isEmpty();
    }

    public boolean matches(MetricEventBatch batch) {
        if (job != null && !job.equals(batch.getSource().getJob())) {
            return false;
        }
        if (metric == null && labels.isEmpty()) {
            return true;
        }
        if (batch.getPoints().isEmpty()) {
            return metric == null && hasLabels(SeriesLabels.of(Map.of(), batch.getGroupingLabels(), batch.getSource()));
        }
        for (MetricPoint p : batch.getPoints()) {
            if ((metric == null || metric.matcher(p.getName()).matches())
                    && (labels.isEmpty() || hasLabels(SeriesLabels.of(p.getLabels(), batch.getGroupingLabels(), batch.getSource())))) {
                return true;
            }
        }
        return false;
    }

    private boolean hasLabels(Map<String, String> series) {
        for (Map.Entry<String, String> want : labels.entrySet()) {
            if (!want.getValue().equals(series.get(want.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
