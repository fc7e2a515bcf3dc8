package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the status page shows, gathered at one moment from the exporter's store (what Prometheus is served), its
 * registry, the engine's lag and the dead-letter tail. Immutable; built fresh for every page.
 *
 * @param jobs            every job seen: its last push time (null when not known) and the series it has
 * @param metrics         every metric family served (by the name Prometheus sees): type and series count
 * @param deadLetters     dead-lettered records and points by reason (the pipeline's counters, every task)
 * @param deadLettersByJob the same by job, then reason (jobs the pipeline could name)
 * @param pushRejections  pushes the gateway of this process refused, by reason (empty without a gateway here)
 * @param webConfigReloadOk whether the last reading of the web config file succeeded (null: no web config file)
 * @param conflictingSeries series left out of the last scrape because another family claimed their name (NaN: not
 *                          known in this process)
 */
public record StatusReport(Instant generated, boolean caughtUp, int seriesServed, Instant newestUpdate,
                           double engineLagEvents, double engineLagSeconds,
                           Map<String, Job> jobs, Map<String, Metric> metrics,
                           Map<String, Double> deadLetters, Map<String, Map<String, Double>> deadLettersByJob,
                           Map<String, Double> pushRejections, List<DeadLetterTail.Entry> recentDeadLetters,
                           Boolean webConfigReloadOk, double conflictingSeries) {
    private static final String PIPELINE_REJECTS = "mayfly_pipeline_rejects";
    private static final String GATEWAY_REJECTS = "mayfly_gateway_rejected_pushes";
    private static final String WEB_CONFIG_OK = "mayfly_http_web_config_last_reload_successful";
    private static final String CONFLICTING_SERIES = "mayfly_exporter_conflicting_series";

    public record Job(Instant lastPush, int series) {
    }

    /** A family as served: its type, its series of that type, and its series of other types, which are left out. */
    public record Metric(MetricType type, int series, int leftOut) {
    }

    /** Reads everything now; {@code lag} may be null (not measured), {@code tail} too (no dead-letter reader). */
    public static StatusReport gather(SeriesStore store, boolean caughtUp, EngineLag lag, PrometheusRegistry registry,
                                      DeadLetterTail tail, Instant now) {
        Map<String, Instant> lastPush = new TreeMap<>();
        Map<String, Integer> seriesPerJob = new TreeMap<>();
        Map<String, Metric> metrics = new TreeMap<>();
        Map<String, Double> deadLetters = new TreeMap<>();
        Map<String, Map<String, Double>> deadLettersByJob = new TreeMap<>();
        store.forEachName((name, series) -> {
            LabelPart.Parser parser = new LabelPart.Parser();
            int[] types = new int[MetricType.values().length];
            for (Map.Entry<String, StoredSeries> e : series.entrySet()) {
                types[e.getValue().metadata().type().ordinal()]++;
                Labels labels = parser.parse(e.getKey());
                String job = labels.get("job");
                if (name.equals(MetricNames.JOB_LAST_PUSH) && job != null && e.getValue() instanceof ScalarSeries s) {
                    lastPush.put(job, Instant.ofEpochMilli(Math.round(s.value() * 1000)));
                } else if (name.equals(PIPELINE_REJECTS) && e.getValue() instanceof ScalarSeries s) {
                    String reason = String.valueOf(labels.get("reason"));
                    deadLetters.merge(reason, s.value(), Double::sum);
                    if (job != null) {
                        deadLettersByJob.computeIfAbsent(job, j -> new TreeMap<>()).merge(reason, s.value(), Double::sum);
                    }
                } else if (job != null && !MetricNames.isReserved(name)) {
                    seriesPerJob.merge(job, 1, Integer::sum);
                }
            }
            MetricType type = FamilyBuilder.majorityType(types); // the type the family is served as
            if (type != null) {
                // the family name Prometheus sees: counters are stored without their _total suffix
                int all = Arrays.stream(types).sum();
                metrics.put(type == MetricType.COUNTER ? name + "_total" : name, new Metric(type, types[type.ordinal()], all - types[type.ordinal()]));
            }
        });
        Map<String, Job> jobs = new TreeMap<>();
        seriesPerJob.forEach((job, n) -> jobs.put(job, new Job(lastPush.get(job), n)));
        lastPush.forEach((job, t) -> jobs.putIfAbsent(job, new Job(t, 0)));
        long newest = store.newestUpdateMillis();
        return new StatusReport(now, caughtUp, store.size(), newest == Long.MIN_VALUE ? null : Instant.ofEpochMilli(newest),
                lag == null ? Double.NaN : lag.events(), lag == null ? Double.NaN : lag.seconds(),
                jobs, metrics, deadLetters, deadLettersByJob, pushRejections(registry),
                tail == null ? List.of() : tail.recent(), webConfigReloadOk(registry), gauge(registry, CONFLICTING_SERIES));
    }

    private static double gauge(PrometheusRegistry registry, String name) {
        for (MetricSnapshot snapshot : registry.scrape(name::equals)) {
            if (snapshot instanceof GaugeSnapshot gauge && !gauge.getDataPoints().isEmpty()) {
                return gauge.getDataPoints().get(0).getValue();
            }
        }
        return Double.NaN;
    }

    private static Boolean webConfigReloadOk(PrometheusRegistry registry) {
        double ok = gauge(registry, WEB_CONFIG_OK);
        return Double.isNaN(ok) ? null : ok == 1.0;
    }

    private static Map<String, Double> pushRejections(PrometheusRegistry registry) {
        Map<String, Double> out = new TreeMap<>();
        for (MetricSnapshot snapshot : registry.scrape(n -> n.startsWith(GATEWAY_REJECTS))) {
            if (snapshot instanceof CounterSnapshot counters) {
                for (CounterSnapshot.CounterDataPointSnapshot p : counters.getDataPoints()) {
                    if (p.getValue() > 0) {
                        out.merge(String.valueOf(p.getLabels().get("reason")), p.getValue(), Double::sum);
                    }
                }
            }
        }
        return out;
    }
}
