package dev.mayfly.exporter;

import dev.mayfly.exporter.internal.AggregatesConsumer;
import dev.mayfly.exporter.internal.ExporterMetrics;
import dev.mayfly.exporter.internal.FamilyMerger;
import dev.mayfly.exporter.internal.SeriesStore;
import dev.mayfly.exporter.internal.ServedTypesView;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Settings;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What exporters configured as {@code config} serve under each metric name, for a process that does not serve
 * {@code /metrics} itself (a gateway run apart): the exporter's store and rules, fed by the same committed reading of
 * the aggregates topic (every partition), and the families an exporter adds of its own ({@code mayfly_exporter_*},
 * {@code jvm_*}, {@code process_*}: as an exporter serves them by default). It holds every series as an exporter
 * does. Answers nothing (null, version -1) until it has caught up with the topic. Thread-safe.
 */
public final class ServedTypesReader implements AutoCloseable {
    private final AggregatesConsumer consumer;
    private final Thread thread;
    private final ServedTypesView view;
    private final ExporterMetrics metrics;

    private ServedTypesReader(ExporterConfig config) {
        Settings settings = config.settings();
        String topic = settings.get(CommonSettings.AGGREGATES_TOPIC);
        SeriesStore store = new SeriesStore();
        // the exporter's own families (mayfly_exporter_*), in a registry nothing serves
        PrometheusRegistry exporterFamilies = new PrometheusRegistry();
        this.metrics = new ExporterMetrics(exporterFamilies, store, System::currentTimeMillis, topic);
        Map<String, Object> props = Exporter.consumerProperties(settings);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "mayfly-served-types");
        this.consumer = new AggregatesConsumer(props, topic, List.of(),
                MayflyCodecs.aggregates(CommonSettings.registry(settings), topic), store, metrics);
        this.view = new ServedTypesView(store, consumer::isCaughtUp);
        Map<String, MetricType> own = new HashMap<>(FamilyMerger.typesByName(exporterFamilies.scrape()));
        // an exporter's JVM families, as this process's JVM names them (registered once, in the default registry,
        // where this process serves its own /metrics)
        PrometheusRegistry jvm = PrometheusRegistry.defaultRegistry;
        JvmMetrics.builder().register(jvm);
        FamilyMerger.typesByName(jvm.scrape(name -> name.startsWith("jvm_") || name.startsWith("process_"))).forEach(own::putIfAbsent);
        view.processFamilies(own);
        this.thread = new Thread(consumer, "mayfly-served-types");
        thread.setDaemon(true);
    }

    public static ServedTypesReader create(ExporterConfig config) {
        return new ServedTypesReader(config);
    }

    /** Starts reading the aggregates topic. */
    public void start() {
        thread.start();
    }

    /** As {@link Exporter#servedType}. */
    public MetricType servedType(String metricName) {
        return view.servedType(metricName);
    }

    /** As {@link Exporter#servedTypesVersion}. */
    public long servedTypesVersion() {
        return view.version();
    }

    /** True once it has caught up with the topic, while it follows it. */
    public boolean isCaughtUp() {
        return consumer.isCaughtUp();
    }

    /** False once it stopped following the topic on an unexpected error (restart the process). */
    public boolean isHealthy() {
        return !consumer.hasFailed();
    }

    @Override
    public void close() {
        consumer.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.unregister();
    }
}
