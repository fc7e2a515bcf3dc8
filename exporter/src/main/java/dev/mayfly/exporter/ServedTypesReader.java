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
 * and {@code jvm_*}, {@code process_*} unless {@code exporter.jvm.metrics} is false). It holds every series as an
 * exporter does. Answers nothing (null, version -1) until it has caught up with the topic. Thread-safe.
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
        // the families an exporter serves of its own, in a registry nothing serves
        PrometheusRegistry exporterFamilies = new PrometheusRegistry();
        if (settings.get(ExporterConfig.JVM_METRICS)) {
            JvmMetrics.builder().register(exporterFamilies);
        }
        this.metrics = new ExporterMetrics(exporterFamilies, store, System::currentTimeMillis, topic);
        Map<String, Object> props = new HashMap<>(settings.withPrefix(CommonSettings.KAFKA_PREFIX));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(CommonSettings.BOOTSTRAP_SERVERS));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "mayfly-served-types");
        this.consumer = new AggregatesConsumer(props, topic, List.of(),
                MayflyCodecs.aggregates(CommonSettings.registry(settings), topic), store, metrics);
        this.view = new ServedTypesView(store, consumer::isCaughtUp);
        view.processFamilies(FamilyMerger.typesByName(exporterFamilies.scrape()));
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
