package dev.mayfly.exporter.internal;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The exporter's own metrics ({@code mayfly_exporter_*}), registered in a Prometheus registry (the default one in
 * production) and removed from it by {@link #unregister()}.
 */
public final class ExporterMetrics {
    private final PrometheusRegistry registry;
    private final Counter recordsConsumed;
    private final Counter tombstones;
    private final Counter rejectedRecords;
    private final Gauge conflictingSeries;
    private final Gauge scrapeDuration;
    private final Map<TopicPartition, Long> lagByPartition = new ConcurrentHashMap<>();
    private final List<Collector> collectors;
    private final List<Collector> extra = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ExporterMetrics(PrometheusRegistry registry, SeriesStore store, LongSupplier clockMillis, String topic) {
        this.registry = registry;
        recordsConsumed = Counter.builder().name("mayfly_exporter_records_consumed")
                .help("Committed records read from the aggregates topic, tombstones included").build();
        tombstones = Counter.builder().name("mayfly_exporter_tombstones")
                .help("Tombstones read from the aggregates topic (series removed)").build();
        rejectedRecords = Counter.builder().name("mayfly_exporter_decode_errors")
                .help("Aggregates records skipped because they do not decode or cannot be served, by reason").labelNames("reason").build();
        conflictingSeries = Gauge.builder().name("mayfly_exporter_conflicting_series")
                .help("Series left out of the previous scrape because another family or type claimed their name or labels").build();
        scrapeDuration = Gauge.builder().name("mayfly_exporter_scrape_duration_seconds").unit(Unit.SECONDS)
                .help("Time to build and write the previous /metrics response").build();
        GaugeWithCallback series = GaugeWithCallback.builder().name("mayfly_exporter_series")
                .help("Series held in the exporter's store").callback(cb -> cb.call(store.size())).build();
        GaugeWithCallback age = GaugeWithCallback.builder().name("mayfly_exporter_newest_update_age_seconds").unit(Unit.SECONDS)
                .help("Age of the newest update_time in the store (NaN while empty)")
                .callback(cb -> {
                    long newest = store.newestUpdateMillis();
                    cb.call(newest == Long.MIN_VALUE ? Double.NaN : (clockMillis.getAsLong() - newest) / 1000.0);
                }).build();
        GaugeWithCallback lag = GaugeWithCallback.builder().name("mayfly_exporter_consumer_lag")
                .help("Committed records of the aggregates topic not yet read, per assigned partition").labelNames("topic", "partition")
                .callback(cb -> lagByPartition.forEach((tp, l) -> cb.call(l, tp.topic(), String.valueOf(tp.partition())))).build();
        collectors = List.of(recordsConsumed, tombstones, rejectedRecords, conflictingSeries, scrapeDuration, series, age, lag);
        collectors.forEach(registry::register);
        rejectedRecords.initLabelValues("unknown_framing");
    }

    /** Serves the engine's lag ({@code mayfly_engine_lag_events}, {@code mayfly_engine_lag_seconds}) from {@code lag}. */
    public void engineLag(EngineLag lag) {
        GaugeWithCallback events = GaugeWithCallback.builder().name("mayfly_engine_lag_events")
                .help("Events accepted on the events topic that the streams engine has not processed yet (NaN: not measurable)")
                .callback(cb -> cb.call(lag.events())).build();
        GaugeWithCallback seconds = GaugeWithCallback.builder().name("mayfly_engine_lag_seconds").unit(Unit.SECONDS)
                .help("Age of the oldest event the streams engine has not processed yet, 0 when none (NaN: not measurable)")
                .callback(cb -> cb.call(lag.seconds())).build();
        registry.register(events);
        registry.register(seconds);
        extra.add(events);
        extra.add(seconds);
    }

    public void recordConsumed() {
        recordsConsumed.inc();
    }

    public void tombstone() {
        tombstones.inc();
    }

    public void rejected(String reason) {
        rejectedRecords.labelValues(reason).inc();
    }

    public void lag(TopicPartition partition, long lag) {
        lagByPartition.put(partition, lag);
    }

    public void conflictingSeries(int count) {
        conflictingSeries.set(count);
    }

    public void scrapeDuration(double seconds) {
        scrapeDuration.set(seconds);
    }

    public void unregister() {
        collectors.forEach(registry::unregister);
        extra.forEach(registry::unregister);
    }
}
