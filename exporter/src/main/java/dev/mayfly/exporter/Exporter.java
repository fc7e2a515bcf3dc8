package dev.mayfly.exporter;

import dev.mayfly.exporter.internal.AggregatesCollector;
import dev.mayfly.exporter.internal.AggregatesConsumer;
import dev.mayfly.exporter.internal.DeadLetterTail;
import dev.mayfly.exporter.internal.EngineLag;
import dev.mayfly.exporter.internal.ExporterMetrics;
import dev.mayfly.exporter.internal.FamilyMerger;
import dev.mayfly.exporter.internal.MetricsHandler;
import dev.mayfly.exporter.internal.Scraper;
import dev.mayfly.exporter.internal.SeriesStore;
import dev.mayfly.exporter.internal.ServedTypesView;
import dev.mayfly.exporter.internal.StatusPage;
import dev.mayfly.exporter.internal.StatusReport;
import dev.mayfly.http.RequestHandler;
import dev.mayfly.http.Route;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Settings;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the committed aggregates topic to Prometheus: a consumer thread materializes the topic into an in-memory
 * store of its own, and {@code GET /metrics} builds fresh snapshots from that store on every scrape, together
 * with the process's own registry ({@code mayfly_exporter_*}, JVM metrics). Not ready, and {@code /metrics}
 * answers 503, until the store has caught up with the topic as it was at start.
 */
public final class Exporter implements AutoCloseable {
    private final AggregatesConsumer consumer;
    private final Thread consumerThread;
    private final ExporterMetrics metrics;
    private final MetricsHandler handler;
    /** Scrapes at once; more wait their turn (Prometheus scrapes one target one at a time; replicas and people add a few). */
    private static final int SCRAPE_THREADS = 4;
    private final ExecutorService scrapes;
    private final EngineLag engineLag;
    private final ScheduledExecutorService lagTimer;
    private final Duration lagInterval;
    private final SeriesStore store;
    private final PrometheusRegistry registry;
    private final DeadLetterTail deadLetters;
    private final Thread deadLettersThread;
    private static final Duration STATUS_REFRESH = Duration.ofSeconds(2);
    private StatusReport lastStatus;
    private final ServedTypesView servedTypes;

    private Exporter(ExporterConfig config, PrometheusRegistry registry) {
        Settings settings = config.settings();
        String topic = settings.get(CommonSettings.AGGREGATES_TOPIC);
        SeriesStore store = new SeriesStore();
        this.store = store;
        this.registry = registry;
        this.metrics = new ExporterMetrics(registry, store, System::currentTimeMillis, topic);
        Map<String, Object> props = consumerProperties(settings);
        this.consumer = new AggregatesConsumer(props, topic, config.partitions(),
                MayflyCodecs.aggregates(CommonSettings.registry(settings), topic), store, metrics);
        this.consumerThread = new Thread(consumer, "mayfly-exporter-consumer");
        consumerThread.setDaemon(true);
        String deadLetterTopic = settings.get(CommonSettings.DEAD_LETTER_TOPIC);
        this.deadLetters = new DeadLetterTail(props, deadLetterTopic,
                MayflyCodecs.events(CommonSettings.registry(settings), settings.get(CommonSettings.EVENTS_TOPIC)));
        this.deadLettersThread = new Thread(deadLetters, "mayfly-exporter-dead-letters");
        deadLettersThread.setDaemon(true);
        AtomicInteger n = new AtomicInteger();
        this.scrapes = Executors.newFixedThreadPool(SCRAPE_THREADS, r -> {
            Thread t = new Thread(r, "mayfly-scrape-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        String lagGroup = settings.get(ExporterConfig.ENGINE_LAG_GROUP);
        this.lagInterval = settings.get(ExporterConfig.ENGINE_LAG_INTERVAL);
        if (lagGroup.isBlank()) {
            this.engineLag = null;
            this.lagTimer = null;
        } else {
            Map<String, Object> lagProps = new HashMap<>(props);
            lagProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "mayfly-exporter-engine-lag");
            this.engineLag = new EngineLag(lagProps, settings.get(CommonSettings.EVENTS_TOPIC), lagGroup, lagInterval, System::currentTimeMillis);
            metrics.engineLag(engineLag);
            this.lagTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mayfly-exporter-engine-lag");
                t.setDaemon(true);
                return t;
            });
        }
        this.handler = new MetricsHandler(new Scraper(new AggregatesCollector(store), registry, metrics), consumer::isCaughtUp, metrics);
        this.servedTypes = new ServedTypesView(store, consumer::isCaughtUp);
    }

    /** The Kafka consumer properties of {@code settings}: the {@code kafka.*} keys and the bootstrap servers. */
    static Map<String, Object> consumerProperties(Settings settings) {
        Map<String, Object> props = new HashMap<>(settings.withPrefix(CommonSettings.KAFKA_PREFIX));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(CommonSettings.BOOTSTRAP_SERVERS));
        return props;
    }

    /** An exporter registering its metrics (and, unless disabled, JVM metrics) in the default Prometheus registry. */
    public static Exporter create(ExporterConfig config) {
        return create(config, PrometheusRegistry.defaultRegistry);
    }

    static Exporter create(ExporterConfig config, PrometheusRegistry registry) {
        if (config.settings().get(ExporterConfig.JVM_METRICS)) {
            JvmMetrics.builder().register(registry);
        }
        return new Exporter(config, registry);
    }

    /** Starts reading the aggregates topic. */
    public void start() {
        servedTypes.processFamilies(FamilyMerger.typesByName(registry.scrape()));
        consumerThread.start();
        deadLettersThread.start();
        if (lagTimer != null) {
            lagTimer.scheduleWithFixedDelay(engineLag::refresh, 0, lagInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** True once the store has caught up with the topic's end offsets (last stable offsets) seen at start, while it follows the topic. */
    public boolean isReady() {
        return consumer.isCaughtUp();
    }

    /**
     * The type of the family served under {@code metricName}: one of the process's own families (JVM, process) of
     * that name, else the aggregates stored under it (counters are stored without {@code _total}); null when none is,
     * or while the store has not caught up with the topic (until then it does not know). Any thread; constant time.
     */
    public MetricType servedType(String metricName) {
        return servedTypes.servedType(metricName);
    }

    /**
     * A number that changes whenever an answer of {@link #servedType} may change, read before the answers it covers;
     * negative while the store has not caught up (answers are then not to be kept).
     */
    public long servedTypesVersion() {
        return servedTypes.version();
    }

    /** False once the store stopped following the topic on an unexpected error (restart the exporter). */
    public boolean isHealthy() {
        return !consumer.hasFailed();
    }

    /**
     * The route {@code /metrics} (exactly that path; GET and HEAD). Scrapes run on the exporter's own threads: a
     * scrape written to a slow reader waits for it (up to the server's write timeout) without taking the threads
     * that answer pushes.
     */
    public Route route() {
        return Route.of(MetricsHandler.PATH, handler.forPath()).onExecutor(scrapes);
    }

    /**
     * The route {@code /}: the status page (exactly that path; GET and HEAD), showing this exporter's view and what
     * {@code process} tells about the process around it. On the exporter's own threads, like scrapes.
     */
    public Route statusRoute(ProcessStatus process) {
        return Route.of(StatusPage.PATH, RequestHandler.getOnly(StatusPage.PATH, new StatusPage(this::statusReport, process))).onExecutor(scrapes);
    }

    /**
     * The status page's report, gathered at most once per {@link #STATUS_REFRESH}: it reads every series, so page
     * views in a loop cannot take the scrape threads' CPU.
     */
    private synchronized StatusReport statusReport() {
        Instant now = Instant.now();
        if (lastStatus == null || !now.isBefore(lastStatus.generated().plus(STATUS_REFRESH))) {
            lastStatus = StatusReport.gather(store, consumer.isCaughtUp(), engineLag, registry, deadLetters, now);
        }
        return lastStatus;
    }

    @Override
    public void close() {
        consumer.close();
        deadLetters.close();
        if (consumerThread.isAlive()) {
            try {
                consumerThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (lagTimer != null) {
            lagTimer.shutdownNow();
            try {
                lagTimer.awaitTermination(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            engineLag.close();
        }
        metrics.unregister();
        scrapes.shutdown();
    }
}
